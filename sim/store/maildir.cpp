// MaildirSync: loading Maildir++ trees into the Store and writing every change back through.
//
// Files in a folder (<root>/<user>/ for INBOX, <root>/<user>/.<Name>/ for the rest):
//   cur/<base>:2,<info>   one message, exactly the bytes the Store holds; info is the Maildir flag letters in
//                         ASCII order (D \Draft, F \Flagged, R \Answered, S \Seen, T \Deleted); other letters
//                         (P, Dovecot's keyword letters) are kept as they were. \Recent is not stored.
//   new/<base>            delivered by another program; \Recent, moved to cur/ when loaded
//   tmp/<base>            being written; never read (removed when older than 36 hours, as the spec says)
//   maillab-uidlist       UIDs, UIDVALIDITY, UIDNEXT, keywords, replaced atomically (format below)
//   maildirfolder         empty; marks a Maildir++ subfolder
// Folder names: '/' becomes '.', and '.', '%' and control bytes become %XX (uppercase hex), so "a.b/c" is
// ".a%2Eb.c". Loading also accepts lowercase hex and takes a '%' without two hex digits literally.
// Directories named "..maillab-*" are this code's scratch space (a folder being created or deleted) and
// can never be a folder name, because every name component is non-empty and a leading '.' is escaped.
//
// The disk is the truth for every folder whose cur/ exists: its messages replace what the Store held. A
// mailbox the Store has but the disk lacks is written out with its messages (a first run seeds the disk).

#include "store/maildir.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace maillab::store {

namespace fs = std::filesystem;

namespace {

constexpr const char* kUidlist = "maillab-uidlist";
constexpr const char* kDovecotUidlist = "dovecot-uidlist";
constexpr const char* kScratchPrefix = "..maillab-";
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

// Writes all of bytes, stamps the mtime when asked, makes the file durable and closes it. Empty on success.
std::string finishFile(Fd& fd, const fs::path& path, std::string_view bytes, std::optional<int64_t> mtime)
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
    if (::fsync(fd.get()) != 0) return errnoText("fsync", path, errno);
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
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        error = errnoText("open", path, errno);
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

// Names of the regular files in dir that do not start with '.', sorted.
std::vector<std::string> listFiles(const fs::path& dir, std::vector<std::string>& problems)
{
    std::vector<std::string> names;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::string name = it->path().filename().string();
        std::error_code typeError;
        if (name.empty() || name.front() == '.' || !it->is_regular_file(typeError)) continue;
        names.push_back(std::move(name));
    }
    if (ec) problems.push_back(dir.string() + ": cannot list: " + ec.message());
    std::sort(names.begin(), names.end());
    return names;
}

// [SECTION] uidlists
//
// maillab-uidlist, one line each, LF-terminated:
//   maillab-uidlist 1 V<uidvalidity> N<uidnext>
//   <uid> [Z<zone minutes>] [L] [K<keyword>]... :<base name>
// Z keeps the internal date's zone (the mtime keeps only the moment); L marks another program's LF file
// that is served as CRLF; K is one IMAP keyword (an atom, so never a space). The base name is the rest of
// the line, so it may hold spaces. Unknown fields are skipped, for later versions. A line not ending in LF
// was cut short and is ignored; a file whose first line is not understood is ignored as a whole.
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
};

struct Uidlist {
    bool ours = false; // read from a maillab-uidlist, whose L fields can be trusted
    bool garbage = false;
    uint32_t uidValidity = 0;
    uint32_t uidNext = 1;
    std::map<std::string, UidlistEntry> byBase;
    std::string text; // the maillab-uidlist as read
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

// Header fields "V<n> N<n>" of the maillab and Dovecot 3 headers; false when either is missing.
bool parseHeaderFields(const std::vector<std::string_view>& tokens, size_t from, Uidlist& list)
{
    std::optional<uint32_t> validity, next;
    for (size_t i = from; i < tokens.size(); ++i) {
        if (tokens[i].size() > 1 && tokens[i][0] == 'V') validity = parseUid(tokens[i].substr(1));
        if (tokens[i].size() > 1 && tokens[i][0] == 'N') next = parseUid(tokens[i].substr(1));
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
        // Dovecot may list a name with its flags; the base name is what stays.
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

// [SECTION] lifetime

MaildirSync::MaildirSync(Store& store, const wire::Clock& clock, fs::path root)
    : m_store(store), m_clock(clock), m_root(std::move(root))
{
    m_loading = true;
    for (const std::string& user : m_store.users()) {
        try {
            loadAccount(user);
        } catch (const std::exception& e) {
            problem(user + ": loading stopped: " + e.what());
        }
    }
    m_loading = false;
    m_listener = m_store.subscribe([this](const StoreEvent& event) { onEvent(event); });
}

MaildirSync::~MaildirSync()
{
    m_store.unsubscribe(m_listener);
}

void MaildirSync::problem(std::string text)
{
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
    m_users.insert(user);

    std::map<std::string, fs::path> onDisk;
    std::error_code typeError;
    if (fs::is_directory(dir / "cur", typeError)) onDisk["INBOX"] = dir;
    std::vector<fs::path> scratch;
    std::error_code listError;
    fs::directory_iterator it(dir, listError);
    for (; !listError && it != fs::directory_iterator(); it.increment(listError)) {
        std::string entry = it->path().filename().string();
        if (entry.size() < 2 || entry[0] != '.') continue;
        if (entry.rfind(kScratchPrefix, 0) == 0) scratch.push_back(it->path());
        if (entry[1] == '.' || !fs::is_directory(it->path() / "cur", typeError)) continue;
        std::string name = Store::canonicalName(decodeFolderName(std::string_view(entry).substr(1)));
        if (name == "INBOX") {
            problem(it->path().string() + ": names INBOX, which is the account's top directory; ignored");
        } else if (!onDisk.emplace(name, it->path()).second) {
            problem(it->path().string() + ": a second directory for \"" + name + "\"; ignored");
        }
    }
    if (listError) problem(dir.string() + ": cannot list: " + listError.message());
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

    Uidlist uidlist = readUidlist(dir, problems);
    const Mailbox* box = m_store.mailbox(user, mailbox);
    uint32_t uidValidity = box ? box->uidValidity : 1;
    uint32_t uidNext = 1;
    if (uidlist.uidValidity != 0) {
        uidValidity = uidlist.uidValidity;
        uidNext = uidlist.uidNext;
    } else if (uidlist.garbage) {
        // The old UIDs are lost: a UIDVALIDITY that cannot match the one clients cached (RFC 3501 2.3.1.1).
        uidValidity = std::max(uidValidity, static_cast<uint32_t>(now));
    }

    struct Loaded {
        FileOnDisk file;
        StoredMessage message;
    };
    std::vector<Loaded> listed, unlisted;
    std::set<std::string> bases;
    std::set<uint32_t> uids;
    for (const std::string& name : listFiles(dir / "cur", problems)) {
        fs::path path = dir / "cur" / name;
        if (name.find('\n') != std::string::npos) {
            problems.push_back(path.string() + ": a line break in the name; ignored");
            continue;
        }
        NameParts parts = splitName(name);
        if (!bases.insert(parts.base).second) {
            problems.push_back(path.string() + ": a second file named " + parts.base + "; ignored");
            continue;
        }
        std::string error;
        std::optional<FileContent> content = readWholeFile(path, error);
        if (!content) {
            problems.push_back(error);
            continue;
        }
        Loaded loaded;
        loaded.file = {parts.base, name, false};
        loaded.message.flags = flagsFromInfo(parts.info);
        if (recent.count(parts.base)) loaded.message.flags |= kRecent;
        loaded.message.internalDate.epochSeconds = content->mtime;
        auto entry = uidlist.byBase.find(parts.base);
        bool known = entry != uidlist.byBase.end() && uids.insert(entry->second.uid).second;
        if (known && uidlist.ours) {
            loaded.file.lf = entry->second.lf;
        } else {
            // IMAP and POP3 count CRLF octets; a file with only LF line ends comes from a Unix program.
            loaded.file.lf = content->bytes.find('\r') == std::string::npos &&
                             content->bytes.find('\n') != std::string::npos;
        }
        if (known) {
            loaded.message.uid = entry->second.uid;
            loaded.message.keywords = entry->second.keywords;
            loaded.message.internalDate.zoneMinutes = entry->second.zone;
        }
        std::string bytes = loaded.file.lf ? util::toCrlf(content->bytes) : std::move(content->bytes);
        loaded.message.data = std::make_shared<const MessageData>(std::move(bytes));
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
    if (!m_store.restoreMailbox(user, mailbox, uidValidity, uidNext, std::move(messages)))
        problem(dir.string() + ": the store refused the loaded mailbox");
    m_folders[{user, mailbox}] = {dir, uidlist.ours ? uidlist.text : std::string()};
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
    writeUidlist(user, mailbox);
}

// [SECTION] writing

std::string MaildirSync::uidlistText(const std::string& user, const Mailbox& box) const
{
    std::string text = std::string(kUidlist) + " 1 V" + std::to_string(box.uidValidity) + " N" +
                       std::to_string(box.uidNext) + "\n";
    for (const StoredMessage& message : box.messages) {
        auto file = m_files.find({user, box.name, message.uid});
        if (file == m_files.end()) continue; // never reached the disk
        text += std::to_string(message.uid);
        if (message.internalDate.zoneMinutes != 0)
            text += " Z" + std::to_string(message.internalDate.zoneMinutes);
        if (file->second.lf) text += " L";
        for (const std::string& keyword : message.keywords)
            // Keywords are IMAP atoms; anything that could break the line is not one and is left out.
            if (!keyword.empty() && keyword.find_first_of(" \r\n") == std::string::npos)
                text += " K" + keyword;
        text += " :" + file->second.base + "\n";
    }
    return text;
}

bool MaildirSync::writeUidlist(const std::string& user, const std::string& mailbox)
{
    const Mailbox* box = m_store.mailbox(user, mailbox);
    auto folder = m_folders.find({user, mailbox});
    if (!box || folder == m_folders.end()) return false;
    std::string text = uidlistText(user, *box);
    if (text == folder->second.uidlist) return true;
    std::string error = replaceFile(folder->second.dir / kUidlist, text);
    if (!error.empty()) {
        problem(error);
        return false;
    }
    folder->second.uidlist = std::move(text);
    return true;
}

// tmp/, fsync, mtime, rename into cur/, fsync cur/: a reader sees the whole message or nothing.
bool MaildirSync::writeMessage(const std::string& user, const std::string& mailbox,
                               const StoredMessage& message)
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
        std::string error = finishFile(fd, tmp, message.bytes(), message.internalDate.epochSeconds);
        if (error.empty() && ::rename(tmp.c_str(), cur.c_str()) != 0) error = errnoText("rename", tmp, errno);
        if (!error.empty()) {
            ::unlink(tmp.c_str());
            problem(error);
            return false;
        }
        m_files[{user, mailbox, message.uid}] = {base, name, false};
        error = syncDir(dir / "cur");
        if (!error.empty()) problem(error); // the file is in place; only its durability is in doubt
        return true;
    }
    problem(dir.string() + ": no unique file name found");
    return false;
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
        error = fd.get() < 0 ? errnoText("create", path, errno) : finishFile(fd, path, bytes, std::nullopt);
        if (!error.empty()) break;
    }
    if (error.empty()) error = syncDir(staging);
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
    error = syncDir(account);
    if (!error.empty()) problem(error);
    m_folders[{user, mailbox}] = {target, text};
    return true;
}

// [SECTION] events

void MaildirSync::onEvent(const StoreEvent& event)
{
    if (m_loading || !m_users.count(event.user)) return;
    try {
        switch (event.kind) {
        case StoreEvent::Kind::MessageAdded: onMessageAdded(event); break;
        case StoreEvent::Kind::MessageExpunged: onMessageExpunged(event); break;
        case StoreEvent::Kind::FlagsChanged: onFlagsChanged(event); break;
        case StoreEvent::Kind::MailboxCreated: onMailboxCreated(event); break;
        case StoreEvent::Kind::MailboxDeleted: onMailboxDeleted(event); break;
        case StoreEvent::Kind::MailboxRenamed: onMailboxRenamed(event); break;
        case StoreEvent::Kind::UidValidityChanged: onUidValidityChanged(event); break;
        case StoreEvent::Kind::LockChanged: break;
        }
    } catch (const std::exception& e) {
        problem(event.user + "/" + event.mailbox + ": writing through failed: " + e.what());
    }
}

void MaildirSync::onMessageAdded(const StoreEvent& event)
{
    const Mailbox* box = m_store.mailbox(event.user, event.mailbox);
    const StoredMessage* message = box ? box->find(event.uid) : nullptr;
    if (!message) return;
    if (!m_folders.count({event.user, event.mailbox})) {
        problem(event.user + "/" + event.mailbox + ": no folder on disk; UID " + std::to_string(event.uid) +
                " not written");
        return;
    }
    if (writeMessage(event.user, event.mailbox, *message)) writeUidlist(event.user, event.mailbox);
}

void MaildirSync::onFlagsChanged(const StoreEvent& event)
{
    auto file = m_files.find({event.user, event.mailbox, event.uid});
    const Mailbox* box = m_store.mailbox(event.user, event.mailbox);
    const StoredMessage* message = box ? box->find(event.uid) : nullptr;
    if (file == m_files.end() || !message) return;
    std::string name = file->second.base + ":2," + infoFor(message->flags, splitName(file->second.name).info);
    if (name != file->second.name) {
        fs::path cur = folderDir(event.user, event.mailbox) / "cur";
        if (::rename((cur / file->second.name).c_str(), (cur / name).c_str()) != 0) {
            problem(errnoText("rename", cur / file->second.name, errno));
            return;
        }
        file->second.name = name;
        std::string error = syncDir(cur);
        if (!error.empty()) problem(error);
    }
    writeUidlist(event.user, event.mailbox); // rewritten only when the keywords changed
}

// Store::expunge removes every message first and then reports them one by one, so the first report
// removes all files whose messages are gone: one directory sync and one uidlist for a POP3 UPDATE.
void MaildirSync::onMessageExpunged(const StoreEvent& event)
{
    if (!m_files.count({event.user, event.mailbox, event.uid})) return; // done with an earlier report
    const Mailbox* box = m_store.mailbox(event.user, event.mailbox);
    fs::path cur = folderDir(event.user, event.mailbox) / "cur";
    auto it = m_files.lower_bound({event.user, event.mailbox, 0});
    auto end = m_files.upper_bound({event.user, event.mailbox, UINT32_MAX});
    while (it != end) {
        if (box && box->find(std::get<2>(it->first))) {
            ++it;
            continue;
        }
        if (::unlink((cur / it->second.name).c_str()) != 0 && errno != ENOENT)
            problem(errnoText("unlink", cur / it->second.name, errno));
        it = m_files.erase(it);
    }
    std::string error = syncDir(cur);
    if (!error.empty()) problem(error);
    writeUidlist(event.user, event.mailbox);
}

void MaildirSync::onMailboxCreated(const StoreEvent& event)
{
    createFolder(event.user, event.mailbox);
}

void MaildirSync::onMailboxDeleted(const StoreEvent& event)
{
    fs::path dir = folderDir(event.user, event.mailbox);
    m_folders.erase({event.user, event.mailbox});
    m_files.erase(m_files.lower_bound({event.user, event.mailbox, 0}),
                  m_files.upper_bound({event.user, event.mailbox, UINT32_MAX}));
    if (event.mailbox == "INBOX" || !entryExists(dir)) return;
    // One rename takes the folder away at once; removing its files can then be slow or interrupted.
    fs::path aside = moveAside(dir);
    if (aside.empty()) return;
    std::string error = syncDir(m_root / event.user);
    if (!error.empty()) problem(error);
    std::error_code ec;
    fs::remove_all(aside, ec);
    if (ec) problem(aside.string() + ": cannot remove: " + ec.message());
}

// Maildir++ is flat, so each renamed mailbox (Store::renameMailbox reports inferiors one by one) is one
// directory rename.
void MaildirSync::onMailboxRenamed(const StoreEvent& event)
{
    if (event.mailbox == "INBOX" || event.newName == "INBOX") return; // the Store moves INBOX's messages
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
        return;
    }
    std::string error = syncDir(account);
    if (!error.empty()) problem(error);

    auto folder = m_folders.extract({event.user, event.mailbox});
    if (!folder.empty()) {
        folder.key() = {event.user, event.newName};
        folder.mapped().dir = to;
        m_folders.insert(std::move(folder));
    }
    auto it = m_files.lower_bound({event.user, event.mailbox, 0});
    auto end = m_files.upper_bound({event.user, event.mailbox, UINT32_MAX});
    std::vector<std::pair<uint32_t, FileOnDisk>> moved;
    for (; it != end; it = m_files.erase(it))
        moved.emplace_back(std::get<2>(it->first), std::move(it->second));
    for (auto& [uid, file] : moved)
        m_files[{event.user, event.newName, uid}] = std::move(file);
}

// Store::resetUidValidity numbers the messages 1..n in their old order; the files follow in that order.
void MaildirSync::onUidValidityChanged(const StoreEvent& event)
{
    const Mailbox* box = m_store.mailbox(event.user, event.mailbox);
    if (!box) return;
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
    writeUidlist(event.user, event.mailbox);
}

} // namespace maillab::store
