// MaildirSync: loading Maildir++ trees into the Store and writing every change back through.
//
// Files in a folder (<root>/<user>/ for INBOX, <root>/<user>/.<Name>/ for the rest):
//   cur/<base>:2,<info>   one message, exactly the bytes the Store holds; info is the Maildir flag letters in
//                         ASCII order (D \Draft, F \Flagged, R \Answered, S \Seen, T \Deleted); other letters
//                         (P, Dovecot's keyword letters) are kept as they were. \Recent is not stored.
//   new/<base>            delivered by another program; \Recent, moved to cur/ when loaded
//   tmp/<base>            being written; never read (removed when older than 36 hours, as the spec says)
//   maillab-uidlist       UIDs, UIDVALIDITY, UIDNEXT, keywords, replaced atomically, appended to (below)
//   maildirfolder         empty; marks a Maildir++ subfolder
// Folder names: '/' becomes '.', and '.', '%' and control bytes become %XX (uppercase hex), so "a.b/c" is
// ".a%2Eb.c". Loading also accepts lowercase hex and takes a '%' without two hex digits literally.
// Directories named "..maillab-*" are this code's scratch space (a folder being created or deleted) and
// can never be a folder name, because every name component is non-empty and a leading '.' is escaped.
//
// The disk is the truth for every folder whose cur/ exists: its messages replace what the Store held. A
// mailbox the Store has but the disk lacks is written out with its messages (a first run seeds the disk).

#include "store/maildir.hpp"

#include "mail/message.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace maillab::store {

namespace fs = std::filesystem;

namespace {

constexpr const char* kUidlist = "maillab-uidlist";
constexpr const char* kDovecotUidlist = "dovecot-uidlist";
constexpr const char* kScratchPrefix = "..maillab-";
constexpr const char* kSubscriptions = "maillab-subscriptions";
// In the root, beside the accounts; no account can have this name (validUserName refuses a leading '.').
constexpr const char* kLockFile = ".maillab-lock";
constexpr size_t kMaxProblems = 1000;
constexpr int64_t kStaleTmpSeconds = 36 * 3600;

// [SECTION] names

std::string encodeFolderName(std::string_view mailbox)
{
    std::string out = ".";
    for (char c : mailbox) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '/') {
            out += '.';
        } else if (c == '.' || c == '%' || byte < 0x20 || byte == 0x7f) {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", byte);
            out += hex;
        } else {
            out += c;
        }
    }
    return out;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// The directory name without its leading '.'.
std::string decodeFolderName(std::string_view encoded)
{
    std::string out;
    for (size_t i = 0; i < encoded.size(); ++i) {
        char c = encoded[i];
        if (c == '.') {
            out += '/';
        } else if (c == '%' && i + 2 < encoded.size() && hexValue(encoded[i + 1]) >= 0 &&
                   hexValue(encoded[i + 2]) >= 0) {
            out += static_cast<char>(hexValue(encoded[i + 1]) * 16 + hexValue(encoded[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

struct NameParts {
    std::string base;
    std::string info; // after ":2,"
};

NameParts splitName(std::string_view name)
{
    size_t colon = name.find(":2,");
    if (colon == std::string_view::npos) return {std::string(name), {}};
    return {std::string(name.substr(0, colon)), std::string(name.substr(colon + 3))};
}

constexpr std::pair<char, Flag> kInfoLetters[] = {
    {'D', kDraft}, {'F', kFlagged}, {'R', kAnswered}, {'S', kSeen}, {'T', kDeleted}};

uint8_t flagsFromInfo(std::string_view info)
{
    uint8_t flags = 0;
    for (auto [letter, flag] : kInfoLetters)
        if (info.find(letter) != std::string_view::npos) flags |= flag;
    return flags;
}

// The info for these flags, keeping the letters maillab does not map; ASCII order, as the Maildir spec asks.
std::string infoFor(uint8_t flags, std::string_view oldInfo)
{
    std::string info;
    for (char c : oldInfo)
        if (std::none_of(std::begin(kInfoLetters), std::end(kInfoLetters),
                         [c](const auto& entry) { return entry.first == c; }))
            info += c;
    for (auto [letter, flag] : kInfoLetters)
        if (flags & flag) info += letter;
    std::sort(info.begin(), info.end());
    info.erase(std::unique(info.begin(), info.end()), info.end());
    return info;
}

// The Maildir spec's unique names end in the host name, with '/' and ':' written as octal escapes.
std::string hostName()
{
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "localhost";
    std::string out;
    for (const char* p = buffer; *p; ++p) {
        if (*p == '/')
            out += "\\057";
        else if (*p == ':')
            out += "\\072";
        else
            out += *p;
    }
    return out;
}

bool validUserName(std::string_view user)
{
    return !user.empty() && user.front() != '.' && user.find('/') == std::string_view::npos &&
           user.find('\0') == std::string_view::npos;
}

// [SECTION] POSIX files

std::string errnoText(std::string_view what, const fs::path& path, int error)
{
    return path.string() + ": " + std::string(what) + ": " + std::strerror(error);
}

class Fd {
public:
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd()
    {
        if (m_fd >= 0) ::close(m_fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }
    int release()
    {
        int fd = m_fd;
        m_fd = -1;
        return fd;
    }

private:
    int m_fd;
};

// Writes all of bytes and stamps the mtime when asked; the file stays open. Empty on success.
std::string writeAll(Fd& fd, const fs::path& path, std::string_view bytes, std::optional<int64_t> mtime)
{
    while (!bytes.empty()) {
        ssize_t n = ::write(fd.get(), bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return errnoText("write", path, n < 0 ? errno : EIO);
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    if (mtime) {
        timespec times[2] = {};
        times[0].tv_sec = static_cast<time_t>(*mtime);
        times[1].tv_sec = static_cast<time_t>(*mtime);
        if (::futimens(fd.get(), times) != 0) return errnoText("futimens", path, errno);
    }
    return {};
}

// Writes all of bytes, stamps the mtime when asked, makes the file durable (unless the caller syncs it
// later) and closes it. Empty on success.
std::string finishFile(Fd& fd, const fs::path& path, std::string_view bytes, std::optional<int64_t> mtime,
                       bool durable = true)
{
    if (std::string error = writeAll(fd, path, bytes, mtime); !error.empty()) return error;
    if (durable && ::fsync(fd.get()) != 0) return errnoText("fsync", path, errno);
    if (::close(fd.release()) != 0) return errnoText("close", path, errno);
    return {};
}

// A rename or a new entry lasts only once its directory is synced.
std::string syncDir(const fs::path& dir)
{
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return errnoText("open directory", dir, errno);
    if (::fsync(fd.get()) != 0) return errnoText("fsync directory", dir, errno);
    return {};
}

// Replaces path atomically: path.tmp is written and synced, renamed over path, and the directory synced.
std::string replaceFile(const fs::path& path, std::string_view bytes)
{
    fs::path tmp = path;
    tmp += ".tmp";
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) return errnoText("create", tmp, errno);
    std::string error = finishFile(fd, tmp, bytes, std::nullopt);
    if (error.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) error = errnoText("rename", tmp, errno);
    if (!error.empty()) {
        ::unlink(tmp.c_str());
        return error;
    }
    return syncDir(path.parent_path());
}

struct FileContent {
    std::string bytes;
    int64_t mtime = 0;
};

std::optional<FileContent> readWholeFile(const fs::path& path, std::string& error)
{
    // A symbolic link is never followed: it could point into another account (F10).
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) {
        error = errnoText(errno == ELOOP ? "a symbolic link, not followed" : "open", path, errno);
        return std::nullopt;
    }
    struct stat st = {};
    if (::fstat(fd.get(), &st) != 0) {
        error = errnoText("stat", path, errno);
        return std::nullopt;
    }
    FileContent content;
    content.mtime = st.st_mtim.tv_sec;
    content.bytes.reserve(static_cast<size_t>(st.st_size));
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = errnoText("read", path, errno);
            return std::nullopt;
        }
        if (n == 0) break;
        content.bytes.append(buffer, static_cast<size_t>(n));
    }
    return content;
}

bool entryExists(const fs::path& path)
{
    struct stat st = {};
    return ::lstat(path.c_str(), &st) == 0;
}

// A directory itself, not a symbolic link to one (lstat): links could lead into another account (F10).
bool isRealDirectory(const fs::path& path)
{
    struct stat st = {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isSymlink(const fs::path& path)
{
    struct stat st = {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

// A directory's modification time in ns: what rescan() compares to see whether anyone changed it.
int64_t changeStamp(const fs::path& dir)
{
    struct stat st = {};
    if (::lstat(dir.c_str(), &st) != 0) return -1;
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Whether a folder's cur/, new/ and tmp/ are its own: each absent or a real directory.
bool safeFolder(const fs::path& dir)
{
    for (const char* sub : {"cur", "new", "tmp"})
        if (entryExists(dir / sub) && !isRealDirectory(dir / sub)) return false;
    return true;
}

// Names of the regular files in dir that do not start with '.', sorted. Symbolic links are not followed:
// they are left out, with a problem each (F10).
std::vector<std::string> listFiles(const fs::path& dir, std::vector<std::string>& problems)
{
    std::vector<std::string> names;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::string name = it->path().filename().string();
        std::error_code typeError;
        if (name.empty() || name.front() == '.') continue;
        // The type readdir gave, without a stat of each file: listing 10,000 messages is most of a start.
        if (it->is_symlink(typeError)) {
            problems.push_back(it->path().string() + ": a symbolic link, not followed; ignored");
            continue;
        }
        if (!it->is_regular_file(typeError)) continue;
        names.push_back(std::move(name));
    }
    if (ec) problems.push_back(dir.string() + ": cannot list: " + ec.message());
    std::sort(names.begin(), names.end());
    return names;
}

// [SECTION] uidlists
//
// maillab-uidlist, one line each, LF-terminated:
//   maillab-uidlist 1 V<uidvalidity> N<uidnext> [U<special-use attribute>]
//   <uid> [Z<zone minutes>] [L] [K<keyword>]... :<base name>
// Z keeps the internal date's zone (the mtime keeps only the moment); L marks another program's LF file
// that is served as CRLF; K is one IMAP keyword (an atom, so never a space). The base name is the rest of
// the line, so it may hold spaces. Unknown fields are skipped, for later versions. A line not ending in LF
// was cut short and is ignored; a file whose first line is not understood is ignored as a whole. A new
// message or a keyword change appends its line: a later line for a base name replaces an earlier one, and
// UIDNEXT is at least one more than the highest UID listed. The file is rewritten whole when that has
// doubled it, and on expunges, renames and loading.
//
// dovecot-uidlist (read only, when there is no usable maillab-uidlist): version 3
//   3 V<uidvalidity> N<uidnext> [fields]...        <uid> [fields]... :<file name>
// and version 1
//   1 <uidvalidity> <uidnext>                     <uid> <file name>

struct UidlistEntry {
    uint32_t uid = 0;
    int zone = 0;
    bool lf = false;
    std::vector<std::string> keywords;
    uint64_t modseq = 0;             // M<n>: its mod-sequence (RFC 7162), 0 when not listed
    std::optional<std::string> info; // F<flags>: the flags of its file name when the line was written
};

struct Uidlist {
    bool ours = false; // read from a maillab-uidlist, whose L fields can be trusted
    bool garbage = false;
    uint32_t uidValidity = 0;
    uint32_t uidNext = 1;
    std::string specialUse; // U<attribute> in a maillab-uidlist header (RFC 6154), e.g. "\\Sent"
    std::string mailboxId;  // I<id> in a maillab-uidlist header (RFC 8474 MAILBOXID)
    std::map<std::string, UidlistEntry> byBase;
    uint32_t highestUid = 0; // of every line, also of files that are gone: their UIDs are used
    std::string text;        // the maillab-uidlist as read
    // H<n> in the header: mod-sequences are kept (issue 15), with X lines for the UIDs expunged
    uint64_t highestModseq = 0;
    std::vector<std::pair<uint32_t, uint64_t>> vanished;
};

std::optional<uint32_t> parseUid(std::string_view text)
{
    std::optional<uint64_t> n = util::parseNumber(text);
    if (!n || *n == 0 || *n >= UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(*n);
}

std::vector<std::string_view> splitLines(std::string_view text)
{
    std::vector<std::string_view> lines;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        lines.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return lines;
}

// An objectid (RFC 8474 section 7): 1 to 255 letters, digits, "-" and "_".
bool isObjectId(std::string_view id)
{
    return !id.empty() && id.size() <= 255 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_';
    });
}

// Header fields "V<n> N<n>" of the maillab and Dovecot 3 headers; false when either is missing.
bool parseHeaderFields(const std::vector<std::string_view>& tokens, size_t from, Uidlist& list)
{
    std::optional<uint32_t> validity, next;
    for (size_t i = from; i < tokens.size(); ++i) {
        if (tokens[i].size() > 1 && tokens[i][0] == 'V') validity = parseUid(tokens[i].substr(1));
        if (tokens[i].size() > 1 && tokens[i][0] == 'N') next = parseUid(tokens[i].substr(1));
        if (tokens[i].size() > 2 && tokens[i][0] == 'U' && tokens[i][1] == '\\')
            list.specialUse = std::string(tokens[i].substr(1));
        if (tokens[i].size() > 1 && tokens[i][0] == 'I' && isObjectId(tokens[i].substr(1)))
            list.mailboxId = std::string(tokens[i].substr(1));
    }
    if (!validity || !next) return false;
    list.uidValidity = *validity;
    list.uidNext = *next;
    return true;
}

// "<uid> [fields]... :<name>": the fields go to entry, the name is returned; nullopt when the line is bad.
std::optional<std::string> parseListedLine(std::string_view line, UidlistEntry& entry, bool ours)
{
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    std::optional<uint32_t> uid = parseUid(line.substr(0, space));
    if (!uid) return std::nullopt;
    entry.uid = *uid;
    size_t pos = space + 1;
    while (pos < line.size()) {
        if (line[pos] == ':') return std::string(line.substr(pos + 1));
        size_t end = line.find(' ', pos);
        if (end == std::string_view::npos) return std::nullopt;
        std::string_view field = line.substr(pos, end - pos);
        if (ours && field == "L") entry.lf = true;
        if (ours && field.size() > 1 && field[0] == 'M')
            entry.modseq = util::parseNumber(field.substr(1)).value_or(0);
        if (ours && !field.empty() && field[0] == 'F') entry.info = std::string(field.substr(1));
        if (ours && field.size() > 1 && field[0] == 'K') entry.keywords.emplace_back(field.substr(1));
        if (ours && field.size() > 1 && field[0] == 'Z') {
            int zone = 0;
            auto [ptr, ec] = std::from_chars(field.data() + 1, field.data() + field.size(), zone);
            if (ec == std::errc() && ptr == field.data() + field.size() && zone > -1440 && zone < 1440)
                entry.zone = zone;
        }
        pos = end + 1;
    }
    return std::nullopt;
}

// Reads the lines after the header; problems name the file. lastComplete: whether the text ended in LF.
void parseEntries(const std::vector<std::string_view>& lines, bool lastComplete, bool ours, bool version1,
                  const fs::path& file, Uidlist& list, std::vector<std::string>& problems)
{
    size_t bad = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
        if (i + 1 == lines.size() && !lastComplete) {
            problems.push_back(file.string() + ": last line cut short, ignored");
            break;
        }
        if (lines[i].empty()) continue;
        // "X<uid>[:<uid>] M<modseq>": expunged at (at most) that mod-sequence, for QRESYNC after a restart.
        if (ours && lines[i][0] == 'X') {
            std::vector<std::string_view> fields = util::splitSpaces(lines[i].substr(1));
            const size_t colon = fields.empty() ? 0 : fields[0].find(':');
            std::optional<uint32_t> first =
                fields.empty() ? std::nullopt : parseUid(fields[0].substr(0, colon));
            std::optional<uint32_t> last =
                colon == std::string_view::npos ? first : parseUid(fields[0].substr(colon + 1));
            std::optional<uint64_t> modseq = fields.size() == 2 && fields[1].size() > 1 && fields[1][0] == 'M'
                                                 ? util::parseNumber(fields[1].substr(1))
                                                 : std::nullopt;
            if (!first || !last || *last < *first || !modseq) {
                ++bad;
                continue;
            }
            const uint64_t at = modseq.value_or(0);
            for (uint64_t uid = *first; uid <= *last; ++uid)
                list.vanished.emplace_back(static_cast<uint32_t>(uid), at);
            list.highestUid = std::max(list.highestUid, *last);
            continue;
        }
        UidlistEntry entry;
        std::optional<std::string> name;
        if (version1) {
            size_t space = lines[i].find(' ');
            std::optional<uint32_t> uid =
                space == std::string_view::npos ? std::nullopt : parseUid(lines[i].substr(0, space));
            if (uid) {
                entry.uid = *uid;
                name = std::string(lines[i].substr(space + 1));
            }
        } else {
            name = parseListedLine(lines[i], entry, ours);
        }
        if (!name || name->empty()) {
            ++bad;
            continue;
        }
        list.highestUid = std::max(list.highestUid, entry.uid);
        // Dovecot may list a name with its flags; the base name is what stays. In a maillab-uidlist a later
        // line for a file replaces an earlier one (lines are appended between rewrites).
        if (ours)
            list.byBase.insert_or_assign(splitName(*name).base, std::move(entry));
        else
            list.byBase.emplace(splitName(*name).base, std::move(entry));
    }
    if (bad > 0)
        problems.push_back(file.string() + ": " + std::to_string(bad) + " line(s) not understood, ignored");
}

Uidlist readUidlist(const fs::path& dir, std::vector<std::string>& problems)
{
    Uidlist list;
    std::string error;
    if (entryExists(dir / kUidlist)) {
        std::optional<FileContent> file = readWholeFile(dir / kUidlist, error);
        if (!file) {
            problems.push_back(error);
        } else {
            list.text = file->bytes;
            std::vector<std::string_view> lines = splitLines(list.text);
            bool complete = !list.text.empty() && list.text.back() == '\n';
            std::vector<std::string_view> header =
                lines.empty() ? std::vector<std::string_view>{} : util::splitSpaces(lines.front());
            if ((lines.size() > 1 || complete) && header.size() >= 4 && header[0] == kUidlist &&
                header[1] == "1" && parseHeaderFields(header, 2, list)) {
                list.ours = true;
                for (std::string_view field : header)
                    if (field.size() > 1 && field[0] == 'H')
                        list.highestModseq = util::parseNumber(field.substr(1)).value_or(0);
                parseEntries(lines, complete, true, false, dir / kUidlist, list, problems);
                return list;
            }
            problems.push_back((dir / kUidlist).string() +
                               ": not a maillab-uidlist, ignored; UIDs given anew");
            list.garbage = true;
            list.text.clear();
        }
    }
    if (!entryExists(dir / kDovecotUidlist)) return list;
    std::optional<FileContent> file = readWholeFile(dir / kDovecotUidlist, error);
    if (!file) {
        problems.push_back(error);
        return list;
    }
    std::vector<std::string_view> lines = splitLines(file->bytes);
    bool complete = !file->bytes.empty() && file->bytes.back() == '\n';
    std::vector<std::string_view> header =
        lines.empty() ? std::vector<std::string_view>{} : util::splitSpaces(lines.front());
    Uidlist dovecot;
    bool version1 = header.size() >= 3 && header[0] == "1";
    bool understood = false;
    if (version1) {
        std::optional<uint32_t> validity = parseUid(header[1]), next = parseUid(header[2]);
        if (validity && next) {
            dovecot.uidValidity = *validity;
            dovecot.uidNext = *next;
            understood = true;
        }
    } else if (!header.empty() && (header[0] == "2" || header[0] == "3")) {
        understood = parseHeaderFields(header, 1, dovecot);
    }
    if (!understood) {
        problems.push_back((dir / kDovecotUidlist).string() + ": version or header not understood, ignored");
        return list;
    }
    parseEntries(lines, complete, false, version1, dir / kDovecotUidlist, dovecot, problems);
    dovecot.garbage = list.garbage;
    return dovecot;
}

} // namespace

// [SECTION] syncing many files at once
//
// One fsync waits for the disk; a round of the server's loop with ten APPENDs made ten of them one after
// another, in the only thread that serves everyone (issue 14: a third of Dovecot's commands per second with
// clients that stay logged in). Issued from a few threads at once, the disk takes them together.

class MaildirSync::SyncPool {
public:
    SyncPool()
    {
        for (int i = 0; i < kThreads; ++i)
            m_threads.emplace_back([this] { work(); });
    }
    ~SyncPool()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        for (std::thread& thread : m_threads)
            thread.join();
    }
    SyncPool(const SyncPool&) = delete;
    SyncPool& operator=(const SyncPool&) = delete;

    // fsyncs every descriptor; returns the errno of each (0: synced). The caller's thread takes part.
    std::vector<int> fsyncAll(const std::vector<int>& fds)
    {
        std::vector<int> errors(fds.size(), 0);
        if (fds.size() <= 1) {
            for (size_t i = 0; i < fds.size(); ++i)
                errors[i] = ::fsync(fds[i]) == 0 ? 0 : errno;
            return errors;
        }
        std::unique_lock lock(m_mutex);
        m_fds = &fds;
        m_errors = &errors;
        m_next = 0;
        m_finished = 0;
        m_wake.notify_all();
        while (runOne(lock)) {}
        m_done.wait(lock, [&] { return m_finished == fds.size(); });
        m_fds = nullptr;
        m_errors = nullptr;
        return errors;
    }

private:
    static constexpr int kThreads = 7;

    // Takes the next descriptor, if any, and syncs it with the lock released.
    bool runOne(std::unique_lock<std::mutex>& lock)
    {
        if (!m_fds || m_next >= m_fds->size()) return false;
        const size_t i = m_next++;
        const int fd = (*m_fds)[i];
        lock.unlock();
        const int error = ::fsync(fd) == 0 ? 0 : errno;
        lock.lock();
        (*m_errors)[i] = error;
        if (++m_finished == m_fds->size()) m_done.notify_all();
        return true;
    }
    void work()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [&] { return m_stop || (m_fds && m_next < m_fds->size()); });
            if (m_stop) return;
            while (runOne(lock)) {}
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake, m_done;
    const std::vector<int>* m_fds = nullptr;
    std::vector<int>* m_errors = nullptr;
    size_t m_next = 0, m_finished = 0;
    bool m_stop = false;
    std::vector<std::thread> m_threads;
};

// [SECTION] lifetime

MaildirSync::MaildirSync(Store& store, const wire::Clock& clock, fs::path root, ProblemLog log)
    : m_store(store), m_clock(clock), m_root(std::move(root)), m_log(std::move(log))
{
    if (!lock()) return;
    m_loading = true;
    for (const std::string& user : m_store.users()) {
        try {
            loadAccount(user);
        } catch (const std::exception& e) {
            problem(user + ": loading stopped: " + e.what());
        }
    }
    m_loading = false;
    m_store.setPersister([this](const StoreEvent& event) { return onEvent(event); });
    // A Maildir++ folder is one directory entry: its encoded name must fit NAME_MAX (issue 15).
    m_store.setNameFits([](std::string_view name) { return encodeFolderName(name).size() <= NAME_MAX; });
}

MaildirSync::~MaildirSync()
{
    if (m_lockFd >= 0) {
        syncWaiting(); // nothing is taken back at the end: no session is left to hear of it
        m_store.setPersister(nullptr);
        m_store.setNameFits(nullptr);
        ::close(m_lockFd); // and with it the lock
    }
}

// Two servers on one Maildir hand out the same UIDs and delete each other's files (F7): the first one
// holds an flock(2) on <root>/.maillab-lock for its lifetime (the kernel drops it when the process ends,
// also on kill -9), and a second one is refused.
bool MaildirSync::lock()
{
    std::error_code ec;
    fs::create_directories(m_root, ec);
    const fs::path path = m_root / kLockFile;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        m_lockError = errnoText("cannot open the lock file", path, errno);
        return false;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        char holder[32] = {};
        [[maybe_unused]] ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
        std::string pid =
            util::trim(holder).empty() ? std::string() : " (pid " + std::string(util::trim(holder)) + ")";
        m_lockError = error == EWOULDBLOCK ? m_root.string() + " is in use by another maillab serve" + pid +
                                                 "; two servers on one Maildir would lose mail"
                                           : errnoText("cannot lock", path, error);
        ::close(fd);
        return false;
    }
    // Who holds it, for the message a second server prints.
    const std::string pid = std::to_string(::getpid()) + "\n";
    // Should this fail, the lock holds all the same; only the pid in the refusal is missing.
    [[maybe_unused]] const bool written =
        ::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) > 0;
    m_lockFd = fd;
    return true;
}

void MaildirSync::problem(std::string text)
{
    m_lastProblem = text;
    if (m_log) m_log(text);
    if (m_problems.size() < kMaxProblems)
        m_problems.push_back(std::move(text));
    else if (m_problems.size() == kMaxProblems)
        m_problems.push_back("further problems not kept");
}

fs::path MaildirSync::folderDir(const std::string& user, const std::string& mailbox) const
{
    auto it = m_folders.find({user, mailbox});
    if (it != m_folders.end()) return it->second.dir;
    return mailbox == "INBOX" ? m_root / user : m_root / user / encodeFolderName(mailbox);
}

std::string MaildirSync::uniqueName()
{
    static const std::string host = hostName();
    // time.MusecPpidQn.host (Maildir spec): the clock has milliseconds, and the counter keeps names apart.
    const int64_t ms = m_clock.nowMs();
    return std::to_string(ms / 1000) + ".M" + std::to_string(ms % 1000 * 1000) + "P" +
           std::to_string(::getpid()) + "Q" + std::to_string(++m_counter) + "." + host;
}

// Renames a directory out of the way to scratch space; returns where it went (empty on failure).
fs::path MaildirSync::moveAside(const fs::path& dir)
{
    fs::path target = dir.parent_path() / (std::string(kScratchPrefix) + "deleted-" + uniqueName());
    if (::rename(dir.c_str(), target.c_str()) != 0) {
        problem(errnoText("rename", dir, errno));
        return {};
    }
    return target;
}

// [SECTION] loading

void MaildirSync::loadAccount(const std::string& user)
{
    if (!validUserName(user)) {
        problem("account \"" + user + "\": the name cannot be a directory name; not kept on disk");
        return;
    }
    fs::path dir = m_root / user;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        problem(dir.string() + ": cannot create: " + ec.message() + "; account not kept on disk");
        return;
    }
    if (!isRealDirectory(dir) || !safeFolder(dir)) {
        problem(dir.string() + ": a symbolic link, not followed; account not kept on disk");
        return;
    }
    m_users.insert(user);

    std::vector<fs::path> scratch;
    std::map<std::string, fs::path> onDisk = foldersOnDisk(dir, &scratch);
    for (const fs::path& leftover : scratch) {
        std::error_code removeError;
        fs::remove_all(leftover, removeError);
        if (removeError) problem(leftover.string() + ": cannot remove: " + removeError.message());
    }

    for (const auto& [name, path] : onDisk) {
        if (m_store.mailbox(user, name)) continue;
        m_store.createMailbox(user, name);
        if (!m_store.mailbox(user, name))
            problem(path.string() + ": \"" + name + "\" is not a valid mailbox name");
    }
    std::vector<std::string> names;
    if (const Account* account = m_store.account(user))
        for (const auto& [name, box] : account->mailboxes)
            names.push_back(name);
    for (const std::string& name : names) {
        auto found = onDisk.find(name);
        if (found != onDisk.end())
            loadFolder(user, name, found->second);
        else
            writeOutFolder(user, name);
    }
    loadSubscriptions(user);
}

// The account's folders as the disk has them: mailbox name -> directory. Symbolic links are not followed.
std::map<std::string, fs::path> MaildirSync::foldersOnDisk(const fs::path& dir,
                                                           std::vector<fs::path>* scratch)
{
    std::map<std::string, fs::path> onDisk;
    if (isRealDirectory(dir / "cur")) onDisk["INBOX"] = dir;
    std::error_code listError;
    fs::directory_iterator it(dir, listError);
    for (; !listError && it != fs::directory_iterator(); it.increment(listError)) {
        std::string entry = it->path().filename().string();
        if (entry.size() < 2 || entry[0] != '.') continue;
        if (entry.rfind(kScratchPrefix, 0) == 0 && scratch) scratch->push_back(it->path());
        if (entry[1] == '.') continue;
        if (isSymlink(it->path()) || (isRealDirectory(it->path()) && !safeFolder(it->path()))) {
            problem(it->path().string() + ": a symbolic link, not followed; ignored");
            continue;
        }
        if (!isRealDirectory(it->path() / "cur")) continue;
        std::string name = Store::canonicalName(decodeFolderName(std::string_view(entry).substr(1)));
        if (name == "INBOX") {
            problem(it->path().string() + ": names INBOX, which is the account's top directory; ignored");
        } else if (!onDisk.emplace(name, it->path()).second) {
            problem(it->path().string() + ": a second directory for \"" + name + "\"; ignored");
        }
    }
    if (listError) problem(dir.string() + ": cannot list: " + listError.message());
    return onDisk;
}

// maillab-subscriptions in the account's top directory: "maillab-subscriptions 1", then one subscribed
// name a line (RFC 3501 6.3.6; a name may outlive its mailbox). Without the file the Store's
// subscriptions (every mailbox, as created) are written out.
void MaildirSync::loadSubscriptions(const std::string& user)
{
    Account* account = m_store.account(user);
    if (!account) return;
    const fs::path path = m_root / user / kSubscriptions;
    if (entryExists(path)) {
        std::string error;
        std::optional<FileContent> file = readWholeFile(path, error);
        std::vector<std::string_view> lines =
            file ? splitLines(file->bytes) : std::vector<std::string_view>{};
        if (!file) {
            problem(error);
        } else if (lines.empty() || lines.front() != std::string(kSubscriptions) + " 1") {
            problem(path.string() + ": not a maillab-subscriptions file; ignored");
        } else {
            account->subscriptions.clear();
            for (size_t i = 1; i < lines.size(); ++i)
                if (!lines[i].empty()) account->subscriptions.insert(Store::canonicalName(lines[i]));
            m_subscriptions[user] = file->bytes;
            return;
        }
    }
    writeSubscriptions(user);
}

bool MaildirSync::writeSubscriptions(const std::string& user)
{
    // Grouped, the file is written once per round, at sync(): a deep CREATE subscribes every superior.
    if (m_grouped) {
        m_unsyncedSubscriptions.insert(user);
        return true;
    }
    const Account* account = m_store.account(user);
    if (!account) return true;
    std::string text = std::string(kSubscriptions) + " 1\n";
    for (const std::string& name : account->subscriptions)
        if (name.find_first_of("\r\n") == std::string::npos) text += name + "\n";
    auto known = m_subscriptions.find(user);
    if (known != m_subscriptions.end() && known->second == text) return true;
    std::string error = replaceFile(m_root / user / kSubscriptions, text);
    if (!error.empty()) {
        problem(error);
        return false;
    }
    m_subscriptions[user] = std::move(text);
    return true;
}

void MaildirSync::loadFolder(const std::string& user, const std::string& mailbox, const fs::path& dir)
{
    std::vector<std::string> problems;
    for (const char* sub : {"new", "tmp"}) {
        std::error_code ec;
        fs::create_directory(dir / sub, ec);
        if (ec) problems.push_back((dir / sub).string() + ": cannot create: " + ec.message());
    }

    // Another program's tmp/ files that were abandoned long ago (Maildir spec: 36 hours).
    const int64_t now = m_clock.nowSeconds();
    for (const std::string& name : listFiles(dir / "tmp", problems)) {
        struct stat st = {};
        fs::path path = dir / "tmp" / name;
        if (::stat(path.c_str(), &st) == 0 && now - st.st_mtim.tv_sec > kStaleTmpSeconds)
            ::unlink(path.c_str());
    }

    // A Maildir reader moves what it has seen from new/ to cur/; those messages are \Recent now.
    std::set<std::string> recent;
    bool moved = false;
    for (const std::string& name : listFiles(dir / "new", problems)) {
        if (name.find('\n') != std::string::npos) continue;
        NameParts parts = splitName(name);
        std::string target = name.find(":2,") == std::string::npos ? name + ":2," : name;
        fs::path from = dir / "new" / name, to = dir / "cur" / target;
        if (entryExists(to)) {
            problems.push_back(from.string() + ": cur/ already holds " + target + "; left in new/");
        } else if (::rename(from.c_str(), to.c_str()) != 0) {
            problems.push_back(errnoText("rename", from, errno));
        } else {
            recent.insert(parts.base);
            moved = true;
        }
    }
    if (moved) {
        for (const char* sub : {"cur", "new"}) {
            std::string error = syncDir(dir / sub);
            if (!error.empty()) problems.push_back(error);
        }
    }

    // Read before cur/ is listed, as rescan() does: the first rescan then lists the folder only if another
    // program changed it since, or (rescanAgain) in the same clock tick.
    const int64_t newStamp = changeStamp(dir / "new"), curStamp = changeStamp(dir / "cur");
    Uidlist uidlist = readUidlist(dir, problems);
    const Mailbox* box = m_store.mailbox(user, mailbox);
    uint32_t uidValidity = box ? box->uidValidity : 1;
    uint32_t uidNext = 1;
    if (uidlist.uidValidity != 0) {
        uidValidity = uidlist.uidValidity;
        // A line appended after the header was written may hold a higher UID (of a file since removed).
        uidNext = uidlist.ours && uidlist.highestUid >= uidlist.uidNext && uidlist.highestUid < UINT32_MAX
                      ? uidlist.highestUid + 1
                      : uidlist.uidNext;
    } else if (uidlist.garbage) {
        // The old UIDs are lost: a UIDVALIDITY that cannot match the one clients cached (RFC 3501 2.3.1.1).
        uidValidity = std::max(uidValidity, static_cast<uint32_t>(now));
    }

    struct Loaded {
        FileOnDisk file;
        StoredMessage message;
    };
    std::vector<Loaded> listed, unlisted;
    const auto cur = std::make_shared<const fs::path>(dir / "cur");
    std::set<std::string> bases;
    std::set<uint32_t> uids;
    // Names relative to cur/ itself: no walk of the whole path for each of thousands of files.
    Fd curFd(::open((dir / "cur").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    for (const std::string& name : listFiles(dir / "cur", problems)) {
        const fs::path path = dir / "cur" / name;
        if (name.find('\n') != std::string::npos) {
            problems.push_back(path.string() + ": a line break in the name; ignored");
            continue;
        }
        NameParts parts = splitName(name);
        if (!bases.insert(parts.base).second) {
            problems.push_back(path.string() + ": a second file named " + parts.base + "; ignored");
            continue;
        }
        // Only the name and the inode are read here, so a start is quick whatever the mailbox holds; a file
        // is read when a client asks for it, except another program's files, to learn their line ends.
        struct stat st = {};
        if (::fstatat(curFd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
            problems.push_back(errnoText("stat", path, errno));
            continue;
        }
        auto entry = uidlist.byBase.find(parts.base);
        bool known = entry != uidlist.byBase.end() && uids.insert(entry->second.uid).second;
        Loaded loaded;
        loaded.file = {parts.base, name, known && uidlist.ours && entry->second.lf, {}, nullptr};
        loaded.message.flags = flagsFromInfo(parts.info);
        if (recent.count(parts.base)) loaded.message.flags |= kRecent;
        loaded.message.internalDate.epochSeconds = st.st_mtim.tv_sec;
        uint64_t fileSize = static_cast<uint64_t>(st.st_size);
        size_t size = static_cast<size_t>(st.st_size);
        std::string header;
        if (!(known && uidlist.ours) || loaded.file.lf) {
            std::string error;
            std::optional<FileContent> content = readWholeFile(path, error);
            if (!content) {
                problems.push_back(error);
                continue;
            }
            // IMAP and POP3 count CRLF octets; a file with only LF line ends comes from a Unix program.
            if (!(known && uidlist.ours))
                loaded.file.lf = content->bytes.find('\r') == std::string::npos &&
                                 content->bytes.find('\n') != std::string::npos;
            fileSize = content->bytes.size();
            std::string bytes = loaded.file.lf ? util::toCrlf(content->bytes) : std::move(content->bytes);
            size = bytes.size();
            bytes.resize(mail::findBodyOffset(bytes));
            header = std::move(bytes);
        }
        loaded.message.modseq = 0; // a new one, unless the list kept it
        if (known) {
            loaded.message.uid = entry->second.uid;
            loaded.message.keywords = entry->second.keywords;
            loaded.message.internalDate.zoneMinutes = entry->second.zone;
            // Renamed by another program while no server ran: its flags changed, so its mod-sequence does.
            if (entry->second.info == parts.info) loaded.message.modseq = entry->second.modseq;
        }
        loaded.file.source = std::make_shared<MessageFile>(cur, name, fileSize, loaded.file.lf);
        loaded.message.data =
            std::make_shared<const MessageData>(loaded.file.source, size, std::move(header));
        (known ? listed : unlisted).push_back(std::move(loaded));
    }

    // Files no UID list knows get new UIDs after every known one, in base-name order (listFiles sorted them).
    uint32_t next = uidNext;
    for (const Loaded& loaded : listed)
        next = std::max(next, loaded.message.uid + 1);
    for (Loaded& loaded : unlisted) {
        if (next == UINT32_MAX) {
            problems.push_back(dir.string() + ": UIDs exhausted; " + loaded.file.name + " not loaded");
            continue;
        }
        loaded.message.uid = next++;
        listed.push_back(std::move(loaded));
    }
    uidNext = std::max(uidNext, next);

    std::vector<StoredMessage> messages;
    for (Loaded& loaded : listed) {
        m_files[{user, mailbox, loaded.message.uid}] = loaded.file;
        messages.push_back(std::move(loaded.message));
    }
    for (std::string& text : problems)
        problem(std::move(text));
    // Mod-sequences kept in our list (H in its header) come back as they were; the UIDs it lists whose files
    // are gone were expunged by another program meanwhile, and get new ones. Without them (a list of an
    // older maillab, Dovecot's, none) the clock in seconds times 2^20 is above any handed out before this
    // start, unless the last run made more than a million changes a second or the clock went back (RFC 7162
    // section 3.1.2: they only ever grow).
    std::optional<Store::KeptModseqs> kept;
    if (uidlist.ours && uidlist.highestModseq > 0) {
        kept.emplace();
        kept->highest = uidlist.highestModseq;
        kept->vanished = std::move(uidlist.vanished);
        std::set<uint32_t> gone;
        for (const auto& [uid, modseq] : kept->vanished)
            gone.insert(uid);
        std::set<uint32_t> missing;
        for (const auto& [base, entry] : uidlist.byBase)
            if (!uids.count(entry.uid) && !gone.count(entry.uid)) missing.insert(entry.uid);
        for (uint32_t uid : missing)
            kept->vanished.emplace_back(uid, 0);
    }
    const uint64_t modseqFloor = static_cast<uint64_t>(std::max<int64_t>(m_clock.nowSeconds(), 1)) << 20;
    if (!m_store.restoreMailbox(user, mailbox, uidValidity, uidNext, std::move(messages), modseqFloor,
                                kept ? &*kept : nullptr))
        problem(dir.string() + ": the store refused the loaded mailbox");
    if (Mailbox* box = m_store.mailbox(user, mailbox); box && uidlist.ours && !uidlist.specialUse.empty())
        box->specialUse = uidlist.specialUse;
    if (Mailbox* box = m_store.mailbox(user, mailbox); box && uidlist.ours && !uidlist.mailboxId.empty())
        box->mailboxId = uidlist.mailboxId; // kept across restarts (RFC 8474 section 4)
    m_folders[{user, mailbox}] = {dir, uidlist.ours ? uidlist.text : std::string()};
    Folder& folder = m_folders[{user, mailbox}];
    folder.cur = cur;
    folder.newStamp = newStamp;
    folder.curStamp = curStamp;
    folder.rescanAgain = true;
    writeUidlist(user, mailbox); // only when what was read differs: new UIDs, a Dovecot list, expunged files
}

// A mailbox the disk does not have yet: its folder, then its messages, then their UIDs.
void MaildirSync::writeOutFolder(const std::string& user, const std::string& mailbox)
{
    if (mailbox == "INBOX") {
        fs::path dir = m_root / user;
        for (const char* sub : {"cur", "new", "tmp"}) {
            std::error_code ec;
            fs::create_directories(dir / sub, ec);
            if (ec) problem((dir / sub).string() + ": cannot create: " + ec.message());
        }
        std::string error = syncDir(dir);
        if (!error.empty()) problem(error);
        m_folders[{user, mailbox}] = {dir, {}};
    } else if (!createFolder(user, mailbox)) {
        return;
    }
    const Mailbox* box = m_store.mailbox(user, mailbox);
    if (!box) return;
    for (const StoredMessage& message : box->messages)
        writeMessage(user, mailbox, message);
    if (writeUidlist(user, mailbox))
        for (size_t i = 0; i < box->messages.size(); ++i)
            keepOnDisk(user, mailbox, box->messages[i].uid);
}

// [SECTION] writing

void MaildirSync::setGroupedSync(bool grouped)
{
    if (!grouped) sync();
    if (grouped && !m_pool) m_pool = std::make_unique<SyncPool>();
    m_grouped = grouped;
}

void MaildirSync::syncSoon(const fs::path& dir)
{
    if (m_grouped) {
        m_unsyncedDirs.insert(dir);
        return;
    }
    std::string error = syncDir(dir);
    if (!error.empty()) problem(error);
}

bool MaildirSync::pendingIn(const std::string& user, const std::string& mailbox) const
{
    return std::any_of(m_pendingMessages.begin(), m_pendingMessages.end(), [&](const PendingMessage& p) {
        return std::get<0>(p.key) == user && std::get<1>(p.key) == mailbox;
    });
}

std::vector<int> MaildirSync::fsyncFiles(const std::vector<int>& fds, const std::vector<fs::path>& paths)
{
    std::vector<int> errors(fds.size(), 0);
    std::vector<int> real;
    std::vector<size_t> realAt;
    for (size_t i = 0; i < fds.size(); ++i) {
        if (m_fsyncFault) errors[i] = m_fsyncFault(paths[i]);
        if (errors[i] != 0) continue;
        real.push_back(fds[i]);
        realAt.push_back(i);
    }
    std::vector<int> synced(real.size(), 0);
    if (m_pool)
        synced = m_pool->fsyncAll(real);
    else
        for (size_t i = 0; i < real.size(); ++i)
            synced[i] = ::fsync(real[i]) == 0 ? 0 : errno;
    for (size_t i = 0; i < real.size(); ++i)
        errors[realAt[i]] = synced[i];
    return errors;
}

// Their bytes first, all at once, then the renames: cur/ never holds a file whose bytes may not be on disk.
// A message whose fsync (the disk's error, EIO) or rename fails is not kept: its file goes, and sync() takes
// it back from the Store and names its session, whose reply then never leaves (an earlier version only
// logged it and acknowledged mail the disk had refused).
void MaildirSync::finishPendingMessages()
{
    if (m_pendingMessages.empty()) return;
    std::vector<PendingMessage> pending = std::exchange(m_pendingMessages, {});
    std::vector<int> fds;
    std::vector<fs::path> paths;
    for (const PendingMessage& p : pending) {
        fds.push_back(p.fd);
        paths.push_back(p.tmp);
    }
    const std::vector<int> errors = fsyncFiles(fds, paths);
    std::set<FolderKey> untouched; // folders no other program changed: their stamps follow these renames
    for (size_t i = 0; i < pending.size(); ++i) {
        const PendingMessage& p = pending[i];
        ::close(p.fd);
        const FolderKey folderKey{std::get<0>(p.key), std::get<1>(p.key)};
        auto file = m_files.find(p.key);
        auto folder = m_folders.find(folderKey);
        if (file == m_files.end() || folder == m_folders.end()) { // cannot happen: changes wait for this
            ::unlink(p.tmp.c_str());
            continue;
        }
        const fs::path cur = folder->second.dir / "cur";
        if (!untouched.count(folderKey) && folder->second.curStamp == changeStamp(cur) &&
            folder->second.newStamp == changeStamp(folder->second.dir / "new"))
            untouched.insert(folderKey);
        std::string error = errors[i] != 0 ? errnoText("fsync", p.tmp, errors[i]) : std::string();
        if (error.empty() && ::rename(p.tmp.c_str(), (cur / file->second.name).c_str()) != 0)
            error = errnoText("rename", p.tmp, errno);
        if (!error.empty()) {
            problem(error + "; UID " + std::to_string(std::get<2>(p.key)) + " is taken back, unacknowledged");
            ::unlink(p.tmp.c_str());
            m_files.erase(file);
            m_failedOrigins.insert(p.origin);
            continue;
        }
        syncSoon(cur);
        // In cur/ at last: from now on its bytes are read from there and leave memory (bodies on disk).
        const auto& [user, mailbox, uid] = p.key;
        if (const StoredMessage* message =
                m_store.mailbox(user, mailbox) ? m_store.mailbox(user, mailbox)->find(uid) : nullptr) {
            file->second.source = std::make_shared<MessageFile>(curOf(user, mailbox), file->second.name,
                                                                message->size(), false);
            keepOnDisk(user, mailbox, uid);
        }
    }
    for (const FolderKey& key : untouched)
        if (auto folder = m_folders.find(key); folder != m_folders.end())
            folder->second.curStamp = changeStamp(folder->second.dir / "cur");
}

std::set<int> MaildirSync::sync()
{
    syncWaiting();
    std::set<int> failed = std::exchange(m_failedOrigins, {});
    // A directory or list that may not be on disk puts every change since the last sync() in doubt: nobody
    // who made one is told OK, and their new messages go.
    if (std::exchange(m_roundInDoubt, false)) failed.insert(m_roundOrigins.begin(), m_roundOrigins.end());
    takeBack(failed);
    syncWaiting(); // what the taking back changed
    m_roundInDoubt = false;
    m_roundOrigins.clear();
    m_roundAdded.clear();
    return failed;
}

void MaildirSync::syncWaiting()
{
    finishPendingMessages();
    if (!m_unsyncedSubscriptions.empty()) {
        const bool grouped = std::exchange(m_grouped, false);
        for (const std::string& user : std::exchange(m_unsyncedSubscriptions, {}))
            if (!writeSubscriptions(user)) m_roundInDoubt = true; // logged; the next change tries again
        m_grouped = grouped;
    }
    if (!syncListsAndDirs()) m_roundInDoubt = true;
}

void MaildirSync::takeBack(const std::set<int>& failed)
{
    if (failed.empty()) return;
    std::map<FolderKey, std::vector<uint32_t>> doomed;
    for (auto& [key, origin] : std::exchange(m_roundAdded, {})) {
        if (!failed.count(origin)) {
            m_roundAdded.push_back({key, origin});
            continue;
        }
        const auto& [user, mailbox, uid] = key;
        const Mailbox* box = m_store.mailbox(user, mailbox);
        if (box && box->find(uid)) doomed[{user, mailbox}].push_back(uid);
    }
    for (const auto& [folder, uids] : doomed)
        m_store.expunge(folder.first, folder.second, uids);
}

bool MaildirSync::syncListsAndDirs()
{
    // The lists and directories, all at once.
    struct Syncing {
        fs::path path;
        int fd;
        std::optional<FolderKey> uidlistOf;
        int openError = 0;
    };
    std::vector<Syncing> syncing;
    for (const FolderKey& key : std::exchange(m_unsyncedUidlists, {})) {
        auto folder = m_folders.find(key);
        if (folder == m_folders.end()) continue; // deleted or renamed since: written whole then
        const fs::path path = folder->second.dir / kUidlist;
        const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        syncing.push_back({path, fd, key, fd < 0 ? errno : 0});
    }
    for (const fs::path& dir : std::exchange(m_unsyncedDirs, {})) {
        const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        syncing.push_back({dir, fd, std::nullopt, fd < 0 ? errno : 0});
    }
    std::vector<int> fds;
    std::vector<fs::path> paths;
    for (const Syncing& s : syncing) {
        if (s.fd < 0) continue;
        fds.push_back(s.fd);
        paths.push_back(s.path);
    }
    const std::vector<int> synced = fsyncFiles(fds, paths);
    bool ok = true;
    for (size_t i = 0, next = 0; i < syncing.size(); ++i) {
        const Syncing& s = syncing[i];
        int error = 0;
        std::string what = "fsync";
        if (s.fd < 0) {
            error = s.openError;
            what = "open";
        } else {
            error = synced[next++];
            ::close(s.fd);
        }
        if (error == 0) continue;
        ok = false;
        problem(errnoText(s.uidlistOf ? what : what + " directory", s.path, error));
        if (!s.uidlistOf) continue;
        if (auto folder = m_folders.find(*s.uidlistOf); folder != m_folders.end())
            folder->second.uidlist.clear(); // the next change writes it whole, synced
    }
    return ok;
}

std::string MaildirSync::uidlistText(const std::string& user, const Mailbox& box) const
{
    std::string text =
        std::string(kUidlist) + " 1 V" + std::to_string(box.uidValidity) + " N" + std::to_string(box.uidNext);
    // The special-use attribute (RFC 6154) lives with the folder, so a rename takes it along; an attribute
    // is an atom ("\\Sent"), never a space or line break.
    if (box.specialUse.size() > 1 && box.specialUse[0] == '\\' &&
        box.specialUse.find_first_of(" \r\n") == std::string::npos)
        text += " U" + box.specialUse;
    text += " H" + std::to_string(box.highestModseq);
    if (isObjectId(box.mailboxId)) text += " I" + box.mailboxId; // the MAILBOXID goes along with a rename too
    text += "\n";
    for (const StoredMessage& message : box.messages) {
        auto file = m_files.find({user, box.name, message.uid});
        if (file == m_files.end()) continue; // never reached the disk
        text += uidlistLine(message, file->second);
    }
    // Runs of expunged UIDs in one line each, at the highest mod-sequence of the run: a client then hears
    // of a few of them again, which RFC 7162 section 3.2.5.1 allows (the server may name more).
    std::vector<std::pair<uint32_t, uint64_t>> vanished = box.vanished;
    std::sort(vanished.begin(), vanished.end());
    for (size_t i = 0; i < vanished.size();) {
        const uint32_t first = vanished[i].first;
        uint64_t modseq = vanished[i].second;
        size_t j = i + 1;
        while (j < vanished.size() && vanished[j].first <= vanished[j - 1].first + 1)
            modseq = std::max(modseq, vanished[j++].second);
        const uint32_t last = vanished[j - 1].first;
        text += "X" + std::to_string(first) + (last > first ? ":" + std::to_string(last) : "") + " M" +
                std::to_string(modseq) + "\n";
        i = j;
    }
    return text;
}

std::string MaildirSync::uidlistLine(const StoredMessage& message, const FileOnDisk& file) const
{
    std::string line = std::to_string(message.uid);
    if (message.internalDate.zoneMinutes != 0)
        line += " Z" + std::to_string(message.internalDate.zoneMinutes);
    if (file.lf) line += " L";
    for (const std::string& keyword : message.keywords)
        // Keywords are IMAP atoms; anything that could break the line is not one and is left out.
        if (!keyword.empty() && keyword.find_first_of(" \r\n") == std::string::npos) line += " K" + keyword;
    // Its mod-sequence, and the flags it went with, so that a rename by another program while no server
    // runs is seen as a change (RFC 7162 section 3.1: mod-sequences survive a restart).
    line += " M" + std::to_string(message.modseq);
    if (std::string info = splitName(file.name).info; info.find(' ') == std::string::npos)
        line += " F" + info;
    return line + " :" + file.base + "\n";
}

bool MaildirSync::writeUidlist(const std::string& user, const std::string& mailbox)
{
    const Mailbox* box = m_store.mailbox(user, mailbox);
    auto folder = m_folders.find({user, mailbox});
    if (!box || folder == m_folders.end()) return false;
    std::string text = uidlistText(user, *box);
    if (text != folder->second.uidlist) {
        std::string error = replaceFile(folder->second.dir / kUidlist, text);
        if (!error.empty()) {
            problem(error);
            return false;
        }
        folder->second.uidlist = std::move(text);
    }
    folder->second.compactSize = folder->second.uidlist.size();
    for (const StoredMessage& message : box->messages)
        if (auto file = m_files.find({user, mailbox, message.uid}); file != m_files.end())
            file->second.listed = uidlistLine(message, file->second);
    return true;
}

// Rewriting the whole list for every APPEND made loading N messages cost N^2 bytes written, in the server's
// only thread (issue 14): a line is appended instead, and a later line for a file replaces an earlier one
// when the list is read. The header's UIDNEXT may then lag; loading takes the highest UID listed into
// account.
bool MaildirSync::appendToUidlist(const std::string& user, const std::string& mailbox, uint32_t uid)
{
    const Mailbox* box = m_store.mailbox(user, mailbox);
    const StoredMessage* message = box ? box->find(uid) : nullptr;
    auto folder = m_folders.find({user, mailbox});
    auto file = m_files.find({user, mailbox, uid});
    if (!message || folder == m_folders.end() || file == m_files.end()) return writeUidlist(user, mailbox);
    std::string line = uidlistLine(*message, file->second);
    if (line == file->second.listed) return true;
    if (!appendLine(user, mailbox, line)) return false;
    // A rewrite (appendLine's or an earlier one) listed it as it is now.
    file->second.listed = std::move(line);
    return true;
}

bool MaildirSync::appendLine(const std::string& user, const std::string& mailbox, const std::string& line)
{
    auto folder = m_folders.find({user, mailbox});
    if (folder == m_folders.end()) return writeUidlist(user, mailbox);
    Folder& f = folder->second;
    // Only after a list of ours (not Dovecot's, not none), and rewritten whole once it has doubled.
    if (f.uidlist.empty() || f.uidlist.size() + line.size() > 2 * f.compactSize + 4096)
        return writeUidlist(user, mailbox);
    const fs::path path = f.dir / kUidlist;
    Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
    std::string error =
        fd.get() < 0 ? errnoText("open", path, errno) : finishFile(fd, path, line, std::nullopt, !m_grouped);
    if (m_grouped) m_unsyncedUidlists.insert(folder->first);
    if (!error.empty()) {
        problem(error);
        // What reached the file is unknown (maybe half a line): the next change writes the list whole.
        f.uidlist.clear();
        return false;
    }
    f.uidlist += line;
    return true;
}

// tmp/, fsync, mtime, rename into cur/, fsync cur/: a reader sees the whole message or nothing.
bool MaildirSync::writeMessage(const std::string& user, const std::string& mailbox,
                               const StoredMessage& message, int origin)
{
    fs::path dir = folderDir(user, mailbox);
    std::string info = infoFor(message.flags, {});
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string base = uniqueName();
        std::string name = base + ":2," + info;
        fs::path tmp = dir / "tmp" / base, cur = dir / "cur" / name;
        if (entryExists(cur) || entryExists(dir / "new" / base)) continue;
        Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (fd.get() < 0 && errno == EEXIST) continue;
        if (fd.get() < 0) {
            problem(errnoText("create", tmp, errno));
            return false;
        }
        const std::shared_ptr<const MessageBody> body = message.data->body();
        if (!body) { // a copy of a message whose file another program removed
            ::unlink(tmp.c_str());
            problem(dir.string() + ": UID " + std::to_string(message.uid) +
                    " not written: its bytes are gone");
            return false;
        }
        if (m_grouped) {
            // Written, not yet synced: sync() fsyncs it with the round's others and moves it into cur/.
            std::string error = writeAll(fd, tmp, body->bytes(), message.internalDate.epochSeconds);
            if (!error.empty()) {
                ::unlink(tmp.c_str());
                problem(error);
                return false;
            }
            m_files[{user, mailbox, message.uid}] = {base, name, false, {}};
            m_pendingMessages.push_back({{user, mailbox, message.uid}, tmp, fd.release(), origin});
            m_roundAdded.push_back({{user, mailbox, message.uid}, origin});
            return true;
        }
        std::string error = finishFile(fd, tmp, body->bytes(), message.internalDate.epochSeconds);
        if (error.empty() && ::rename(tmp.c_str(), cur.c_str()) != 0) error = errnoText("rename", tmp, errno);
        if (!error.empty()) {
            ::unlink(tmp.c_str());
            problem(error);
            return false;
        }
        m_files[{user, mailbox, message.uid}] = {
            base,
            name,
            false,
            {},
            std::make_shared<MessageFile>(curOf(user, mailbox), name, message.size(), false)};
        syncSoon(dir / "cur"); // the file is in place; a failed sync puts only its durability in doubt
        return true;
    }
    problem(dir.string() + ": no unique file name found");
    return false;
}

void MaildirSync::keepOnDisk(const std::string& user, const std::string& mailbox, uint32_t uid)
{
    Mailbox* box = m_store.mailbox(user, mailbox);
    StoredMessage* message = box ? box->find(uid) : nullptr;
    auto file = m_files.find({user, mailbox, uid});
    if (message && file != m_files.end() && file->second.source)
        message->data = message->data->keptIn(file->second.source);
}

std::shared_ptr<const fs::path> MaildirSync::curOf(const std::string& user, const std::string& mailbox)
{
    const fs::path cur = folderDir(user, mailbox) / "cur";
    auto folder = m_folders.find({user, mailbox});
    if (folder == m_folders.end()) return std::make_shared<const fs::path>(cur);
    if (!folder->second.cur || *folder->second.cur != cur)
        folder->second.cur = std::make_shared<const fs::path>(cur);
    return folder->second.cur;
}

// The folder is built under a scratch name and renamed into place, so a half-made folder is never loaded.
bool MaildirSync::createFolder(const std::string& user, const std::string& mailbox)
{
    const Mailbox* box = m_store.mailbox(user, mailbox);
    if (!box) return false;
    fs::path account = m_root / user;
    fs::path target = account / encodeFolderName(mailbox);
    fs::path staging = account / (std::string(kScratchPrefix) + "new-" + uniqueName());
    std::error_code ec;
    for (const fs::path& sub : {staging, staging / "cur", staging / "new", staging / "tmp"}) {
        fs::create_directory(sub, ec);
        if (ec) {
            problem(sub.string() + ": cannot create: " + ec.message());
            fs::remove_all(staging, ec);
            return false;
        }
    }
    std::string text = uidlistText(user, *box);
    std::string error;
    for (auto [file, bytes] :
         {std::pair<const char*, std::string_view>{"maildirfolder", {}}, {kUidlist, text}}) {
        fs::path path = staging / file;
        Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        error = fd.get() < 0 ? errnoText("create", path, errno)
                             : finishFile(fd, path, bytes, std::nullopt, !m_grouped);
        if (!error.empty()) break;
    }
    // Grouped, the syncs wait for sync() (a deep CREATE made each superior with five fsyncs in the loop's
    // only thread: 20 levels held it 0.9 s); a crash before then leaves at most a folder no client was told
    // of, with an unreadable uidlist (UIDs given anew).
    if (error.empty() && !m_grouped) error = syncDir(staging);
    if (error.empty() && entryExists(target)) {
        problem(target.string() + ": a stale folder was in the way; moved aside");
        fs::path aside = moveAside(target);
        if (!aside.empty()) fs::remove_all(aside, ec);
    }
    if (error.empty() && ::rename(staging.c_str(), target.c_str()) != 0)
        error = errnoText("rename", staging, errno);
    if (!error.empty()) {
        problem(error);
        fs::remove_all(staging, ec);
        return false;
    }
    m_folders[{user, mailbox}] = {target, text};
    if (m_grouped) {
        syncSoon(target);
        m_unsyncedUidlists.insert({user, mailbox});
    }
    syncSoon(account);
    return true;
}

// [SECTION] events
//
// MaildirSync is the Store's persister: each change reaches it before any session hears of it, and an
// error it returns makes the Store undo the change and fail the command (F6), so no reply acknowledges
// what is not on disk. Every failure is also a problem, for the log.

std::string MaildirSync::onEvent(const StoreEvent& event)
{
    if (m_loading || !m_users.count(event.user)) return {};
    // This process's own writes change cur/'s mtime too. When nobody else changed the folder since the last
    // rescan, its stamps follow the write, so that the next rescan does not list the folder for nothing.
    auto folder = m_folders.find({event.user, event.mailbox});
    const bool untouched = folder != m_folders.end() &&
                           folder->second.curStamp == changeStamp(folder->second.dir / "cur") &&
                           folder->second.newStamp == changeStamp(folder->second.dir / "new");
    // A new message's file waits in tmp/ for sync(): any other change to its folder moves it first.
    if (event.kind != StoreEvent::Kind::MessageAdded && event.kind != StoreEvent::Kind::LockChanged &&
        event.kind != StoreEvent::Kind::SubscriptionsChanged && !m_pendingMessages.empty() &&
        ((event.kind != StoreEvent::Kind::FlagsChanged && event.kind != StoreEvent::Kind::MessageExpunged) ||
         pendingIn(event.user, event.mailbox)))
        finishPendingMessages();
    if (m_grouped && event.kind == StoreEvent::Kind::MessageExpunged && event.originSession != 0) {
        // A MOVE's source leaves only once its copies are on disk: were they left for sync() and failed
        // there, the message would be in neither mailbox.
        if (std::any_of(m_pendingMessages.begin(), m_pendingMessages.end(),
                        [&](const PendingMessage& p) { return p.origin == event.originSession; }))
            finishPendingMessages();
        if (m_failedOrigins.count(event.originSession)) {
            problem(event.user + "/" + event.mailbox + ": UID " + std::to_string(event.uid) +
                    " stays: a message the same session just added could not be written");
            return m_lastProblem;
        }
    }
    if (m_grouped && event.originSession != 0 && event.kind != StoreEvent::Kind::LockChanged)
        m_roundOrigins.insert(event.originSession);
    bool ok = false;
    try {
        switch (event.kind) {
        case StoreEvent::Kind::MessageAdded: ok = onMessageAdded(event); break;
        case StoreEvent::Kind::MessageExpunged: ok = onMessageExpunged(event); break;
        case StoreEvent::Kind::FlagsChanged: ok = onFlagsChanged(event); break;
        // A new or renamed mailbox is subscribed as it is made (Store::createMailbox, renameMailbox).
        case StoreEvent::Kind::MailboxCreated:
            if (m_adoptingFolder && m_adoptingFolder->first == event.mailbox)
                m_folders[{event.user, event.mailbox}] = {m_adoptingFolder->second, {}}; // rescan: it exists
            else if (!createFolder(event.user, event.mailbox))
                break;
            ok = writeSubscriptions(event.user);
            break;
        case StoreEvent::Kind::MailboxDeleted: ok = onMailboxDeleted(event); break;
        case StoreEvent::Kind::MailboxRenamed:
            ok = onMailboxRenamed(event) && writeSubscriptions(event.user);
            break;
        case StoreEvent::Kind::UidValidityChanged: ok = onUidValidityChanged(event); break;
        case StoreEvent::Kind::SubscriptionsChanged: ok = writeSubscriptions(event.user); break;
        case StoreEvent::Kind::LockChanged: ok = true; break;
        }
    } catch (const std::exception& e) {
        problem(event.user + "/" + event.mailbox + ": writing through failed: " + e.what());
        ok = false;
    }
    if (ok && untouched) {
        const bool renamed = event.kind == StoreEvent::Kind::MailboxRenamed;
        auto after = m_folders.find({event.user, renamed ? event.newName : event.mailbox});
        if (after != m_folders.end()) {
            after->second.curStamp = changeStamp(after->second.dir / "cur");
            after->second.newStamp = changeStamp(after->second.dir / "new");
        }
    }
    if (ok) return {};
    return m_lastProblem.empty() ? std::string("write failed") : m_lastProblem;
}

bool MaildirSync::onMessageAdded(const StoreEvent& event)
{
    const Mailbox* box = m_store.mailbox(event.user, event.mailbox);
    const StoredMessage* message = box ? box->find(event.uid) : nullptr;
    if (!message) return true;
    if (m_adopting) {
        // A file another program put in the folder (rescan): it is on disk already, only its UID is new.
        m_files[{event.user, event.mailbox, event.uid}] = *m_adopting;
        return appendToUidlist(event.user, event.mailbox, event.uid);
    }
    if (!m_folders.count({event.user, event.mailbox})) {
        problem(event.user + "/" + event.mailbox + ": no folder on disk; UID " + std::to_string(event.uid) +
                " not written");
        return false;
    }
    if (!writeMessage(event.user, event.mailbox, *message, event.originSession)) return false;
    if (appendToUidlist(event.user, event.mailbox, event.uid)) {
        keepOnDisk(event.user, event.mailbox, event.uid);
        return true;
    }
    // Without its UID in the list the file would come back under a new UID: the message goes again.
    auto file = m_files.find({event.user, event.mailbox, event.uid});
    if (file != m_files.end()) {
        if (!m_pendingMessages.empty() && m_pendingMessages.back().key == file->first) { // still in tmp/
            ::close(m_pendingMessages.back().fd);
            ::unlink(m_pendingMessages.back().tmp.c_str());
            m_pendingMessages.pop_back();
        } else {
            ::unlink((folderDir(event.user, event.mailbox) / "cur" / file->second.name).c_str());
        }
        m_files.erase(file);
    }
    return false;
}

bool MaildirSync::onFlagsChanged(const StoreEvent& event)
{
    auto file = m_files.find({event.user, event.mailbox, event.uid});
    const Mailbox* box = m_store.mailbox(event.user, event.mailbox);
    const StoredMessage* message = box ? box->find(event.uid) : nullptr;
    if (file == m_files.end() || !message) return true;
    std::string name = file->second.base + ":2," + infoFor(message->flags, splitName(file->second.name).info);
    if (name != file->second.name) {
        fs::path cur = folderDir(event.user, event.mailbox) / "cur";
        if (::rename((cur / file->second.name).c_str(), (cur / name).c_str()) != 0) {
            problem(errnoText("rename", cur / file->second.name, errno));
            return false;
        }
        file->second.name = name;
        if (file->second.source) file->second.source->setName(name);
        syncSoon(cur);
    }
    return appendToUidlist(event.user, event.mailbox, event.uid); // only when the keywords changed
}

// Store::expunge removes every message first and then reports them one by one, so the first report
// removes all files whose messages are gone: one directory sync and one uidlist for a POP3 UPDATE. A file
// that cannot be removed keeps its entry, and its own report fails, so the Store keeps that message.
bool MaildirSync::onMessageExpunged(const StoreEvent& event)
{
    const FileKey key{event.user, event.mailbox, event.uid};
    if (m_unremovable.erase(key) > 0) return false; // its unlink failed in the first report
    const Mailbox* box = m_store.mailbox(event.user, event.mailbox);
    // Its UID and mod-sequence (the Store noted them first), for VANISHED (EARLIER) after a restart.
    std::string expunged;
    if (box && !box->vanished.empty() && box->vanished.back().first == event.uid)
        expunged =
            "X" + std::to_string(event.uid) + " M" + std::to_string(box->vanished.back().second) + "\n";
    if (!m_files.count(key)) return expunged.empty() || appendLine(event.user, event.mailbox, expunged);
    fs::path cur = folderDir(event.user, event.mailbox) / "cur";
    auto it = m_files.lower_bound({event.user, event.mailbox, 0});
    auto end = m_files.upper_bound({event.user, event.mailbox, UINT32_MAX});
    while (it != end) {
        if (box && box->find(std::get<2>(it->first))) {
            ++it;
            continue;
        }
        if (::unlink((cur / it->second.name).c_str()) != 0 && errno != ENOENT) {
            problem(errnoText("unlink", cur / it->second.name, errno) + "; the message stays");
            m_unremovable.insert(it->first);
            ++it;
            continue;
        }
        it = m_files.erase(it);
    }
    syncSoon(cur);
    if (m_unremovable.erase(key) > 0) return false;
    // The lines of removed files stay in the list (ignored when loading, gone at the next rewrite): no
    // rewrite of the whole list for each expunge, only its X line.
    return expunged.empty() || appendLine(event.user, event.mailbox, expunged);
}

// Called before the Store forgets the mailbox: a folder that cannot be taken away keeps its mailbox.
bool MaildirSync::onMailboxDeleted(const StoreEvent& event)
{
    syncWaiting(); // what waits for a sync names paths that are about to go
    fs::path dir = folderDir(event.user, event.mailbox);
    if (event.mailbox != "INBOX" && entryExists(dir)) {
        // One rename takes the folder away at once; removing its files can then be slow or interrupted.
        fs::path aside = moveAside(dir);
        if (aside.empty()) return false;
        std::string error = syncDir(m_root / event.user);
        if (!error.empty()) problem(error);
        std::error_code ec;
        fs::remove_all(aside, ec);
        if (ec) problem(aside.string() + ": cannot remove: " + ec.message());
    }
    m_folders.erase({event.user, event.mailbox});
    m_files.erase(m_files.lower_bound({event.user, event.mailbox, 0}),
                  m_files.upper_bound({event.user, event.mailbox, UINT32_MAX}));
    return true;
}

// Maildir++ is flat, so each renamed mailbox (Store::renameMailbox reports inferiors one by one) is one
// directory rename.
bool MaildirSync::onMailboxRenamed(const StoreEvent& event)
{
    if (event.mailbox == "INBOX" || event.newName == "INBOX") return true; // the Store moves INBOX's mail
    sync(); // what waits for a sync names paths that are about to change
    fs::path account = m_root / event.user;
    fs::path from = folderDir(event.user, event.mailbox);
    fs::path to = account / encodeFolderName(event.newName);
    if (entryExists(to)) {
        problem(to.string() + ": a stale folder was in the way; moved aside");
        fs::path aside = moveAside(to);
        std::error_code ec;
        if (!aside.empty()) fs::remove_all(aside, ec);
    }
    if (::rename(from.c_str(), to.c_str()) != 0) {
        problem(errnoText("rename", from, errno));
        return false;
    }
    std::string error = syncDir(account);
    if (!error.empty()) problem(error);

    auto folder = m_folders.extract({event.user, event.mailbox});
    if (!folder.empty()) {
        folder.key() = {event.user, event.newName};
        folder.mapped().dir = to;
        folder.mapped().cur = nullptr;
        m_folders.insert(std::move(folder));
    }
    const std::shared_ptr<const fs::path> movedCur = curOf(event.user, event.newName);
    auto it = m_files.lower_bound({event.user, event.mailbox, 0});
    auto end = m_files.upper_bound({event.user, event.mailbox, UINT32_MAX});
    std::vector<std::pair<uint32_t, FileOnDisk>> moved;
    for (; it != end; it = m_files.erase(it))
        moved.emplace_back(std::get<2>(it->first), std::move(it->second));
    for (auto& [uid, file] : moved) {
        if (file.source) file.source->setFolder(movedCur);
        m_files[{event.user, event.newName, uid}] = std::move(file);
    }
    return true;
}

// [SECTION] other programs
//
// Maildir exists so that a delivery agent and the access server can share it: another program may put a
// message into new/ (or cur/), rename a file in cur/ to change its flags, or remove one, while serve runs.
// rescan() finds those changes and tells the Store, whose events reach the sessions as for any change
// (EXISTS, FETCH FLAGS, EXPUNGE). A folder whose new/ and cur/ have not changed (mtime) is not listed.

void MaildirSync::rescan()
{
    if (m_lockFd < 0) return;
    finishPendingMessages(); // what is in cur/ is then all this process knows
    const std::vector<std::string> users(m_users.begin(), m_users.end());
    for (const std::string& user : users) {
        try {
            rescanAccount(user);
        } catch (const std::exception& e) {
            problem(user + ": rescanning failed: " + e.what());
        }
    }
    struct Due {
        FolderKey key;
        int64_t newStamp, curStamp;
    };
    std::vector<Due> due;
    for (auto& [key, folder] : m_folders) {
        const int64_t newStamp = changeStamp(folder.dir / "new"), curStamp = changeStamp(folder.dir / "cur");
        const bool changed = newStamp != folder.newStamp || curStamp != folder.curStamp;
        // A change in the same clock tick as a listing leaves the mtime as it was: after every listing that
        // a change caused, the folder is listed once more.
        if (!changed && !folder.rescanAgain) continue;
        folder.rescanAgain = changed;
        due.push_back({key, newStamp, curStamp});
    }
    for (const Due& d : due) {
        // The stamps read before the listing: whatever changes during it is seen next time.
        auto folder = m_folders.find(d.key);
        if (folder != m_folders.end()) {
            folder->second.newStamp = d.newStamp;
            folder->second.curStamp = d.curStamp;
        }
        try {
            rescanFolder(d.key.first, d.key.second);
        } catch (const std::exception& e) {
            problem(d.key.first + "/" + d.key.second + ": rescanning failed: " + e.what());
        }
    }
}

// Folders another program made or removed: made ones become mailboxes with what they hold (their
// uidlist honoured, as at a start), removed ones are deleted (sessions that had one selected hear BYE).
void MaildirSync::rescanAccount(const std::string& user)
{
    const fs::path dir = m_root / user;
    const int64_t stamp = changeStamp(dir);
    Stamp& seen = m_accountStamps[user];
    const bool changed = stamp != seen.stamp;
    if (!changed && !seen.again) return;
    seen = {stamp, changed};
    std::map<std::string, fs::path> onDisk = foldersOnDisk(dir, nullptr);
    std::vector<std::string> gone;
    for (const auto& [key, folder] : m_folders)
        if (key.first == user && key.second != "INBOX" && !isRealDirectory(folder.dir))
            gone.push_back(key.second);
    for (const std::string& name : gone) {
        const Store::Result result = m_store.deleteMailbox(user, name);
        problem((dir / encodeFolderName(name)).string() +
                (result == Store::Result::Ok ? ": removed by another program; mailbox deleted"
                                             : ": removed by another program; the mailbox stays for now"));
    }
    for (const auto& [name, path] : onDisk) {
        if (m_store.mailbox(user, name) || m_folders.count({user, name})) continue;
        m_adoptingFolder = std::make_pair(name, path);
        const Store::Result result = m_store.createMailbox(user, name);
        m_adoptingFolder.reset();
        if (result != Store::Result::Ok || !m_folders.count({user, name})) {
            problem(path.string() + ": made by another program, but not a mailbox that can be added");
            continue;
        }
        loadFolder(user, name, path);
        problem(path.string() + ": made by another program; mailbox \"" + name + "\" added");
    }
}

void MaildirSync::rescanFolder(const std::string& user, const std::string& mailbox)
{
    auto folderIt = m_folders.find({user, mailbox});
    const Mailbox* box = m_store.mailbox(user, mailbox);
    if (folderIt == m_folders.end() || !box) return;
    const fs::path dir = folderIt->second.dir;
    std::vector<std::string> problems;

    // Delivered to new/: into cur/, \Recent, as at loading.
    std::set<std::string> recent;
    for (const std::string& name : listFiles(dir / "new", problems)) {
        if (name.find('\n') != std::string::npos) continue;
        std::string target = name.find(":2,") == std::string::npos ? name + ":2," : name;
        fs::path from = dir / "new" / name, to = dir / "cur" / target;
        if (entryExists(to))
            problems.push_back(from.string() + ": cur/ already holds " + target + "; left in new/");
        else if (::rename(from.c_str(), to.c_str()) != 0)
            problems.push_back(errnoText("rename", from, errno));
        else
            recent.insert(splitName(name).base);
    }
    if (!recent.empty()) {
        std::string error = syncDir(dir / "cur");
        if (!error.empty()) problems.push_back(error);
    }

    std::map<std::string, std::string> present; // base -> whole name, in cur/ now
    for (const std::string& name : listFiles(dir / "cur", problems))
        if (name.find('\n') == std::string::npos) present.emplace(splitName(name).base, name);

    // Files this process knows: gone (expunged behind its back), or renamed (flags changed).
    std::vector<uint32_t> gone;
    std::vector<std::pair<uint32_t, uint8_t>> flagged;
    std::set<std::string> known;
    auto end = m_files.upper_bound({user, mailbox, UINT32_MAX});
    for (auto it = m_files.lower_bound({user, mailbox, 0}); it != end; ++it) {
        const uint32_t uid = std::get<2>(it->first);
        known.insert(it->second.base);
        auto found = present.find(it->second.base);
        if (found == present.end()) {
            gone.push_back(uid);
        } else if (found->second != it->second.name) {
            it->second.name = found->second;
            if (it->second.source) it->second.source->setName(found->second);
            flagged.emplace_back(uid, flagsFromInfo(splitName(found->second).info));
        }
    }
    if (!gone.empty()) {
        problems.push_back(dir.string() + ": " + std::to_string(gone.size()) +
                           " message file(s) removed by another program; expunged");
        m_store.expunge(user, mailbox, gone);
    }
    for (auto [uid, flags] : flagged) {
        const Mailbox* now = m_store.mailbox(user, mailbox);
        const StoredMessage* message = now ? now->find(uid) : nullptr;
        if (!message) continue;
        const uint8_t wanted = static_cast<uint8_t>(flags | (message->flags & kRecent));
        if (wanted != message->flags) m_store.setFlags(user, mailbox, uid, wanted, message->keywords);
    }

    // Files nobody gave a UID yet: another program's delivery. Added as any delivery is, so that sessions
    // hear of them; the file stays as it is (m_adopting tells onMessageAdded not to write it again).
    for (const auto& [base, name] : present) {
        if (known.count(base)) continue;
        const fs::path path = dir / "cur" / name;
        std::string error;
        std::optional<FileContent> content = readWholeFile(path, error);
        if (!content) {
            problems.push_back(error);
            continue;
        }
        FileOnDisk file{base,
                        name,
                        content->bytes.find('\r') == std::string::npos &&
                            content->bytes.find('\n') != std::string::npos,
                        {},
                        nullptr};
        file.source =
            std::make_shared<MessageFile>(curOf(user, mailbox), name, content->bytes.size(), file.lf);
        std::string bytes = file.lf ? util::toCrlf(content->bytes) : std::move(content->bytes);
        const size_t size = bytes.size();
        bytes.resize(mail::findBodyOffset(bytes));
        uint8_t flags = flagsFromInfo(splitName(name).info);
        if (recent.count(base)) flags |= kRecent;
        m_adopting = file;
        const uint32_t uid = m_store.deliverShared(
            user, mailbox, std::make_shared<const MessageData>(file.source, size, std::move(bytes)),
            {content->mtime, 0}, flags, {});
        m_adopting.reset();
        if (uid == 0) problems.push_back(path.string() + ": could not be added");
    }
    for (std::string& text : problems)
        problem(std::move(text));
}

// Store::resetUidValidity numbers the messages 1..n in their old order; the files follow in that order.
bool MaildirSync::onUidValidityChanged(const StoreEvent& event)
{
    const Mailbox* box = m_store.mailbox(event.user, event.mailbox);
    if (!box) return true;
    auto it = m_files.lower_bound({event.user, event.mailbox, 0});
    auto end = m_files.upper_bound({event.user, event.mailbox, UINT32_MAX});
    std::vector<FileOnDisk> files;
    for (; it != end; it = m_files.erase(it))
        files.push_back(std::move(it->second));
    if (files.size() != box->messages.size()) {
        problem(event.user + "/" + event.mailbox +
                ": some messages were never written, so the files cannot " +
                "follow the new UIDs; they get UIDs anew at the next start");
        files.clear();
    }
    for (size_t i = 0; i < files.size(); ++i)
        m_files[{event.user, event.mailbox, box->messages[i].uid}] = std::move(files[i]);
    return writeUidlist(event.user, event.mailbox);
}

} // namespace maillab::store
