#include "store/message_file.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace maillab::store {

namespace {

// The first read of a header: most header blocks fit, and a small message comes whole.
constexpr size_t kHeaderChunk = 8192;

bool endsHeader(std::string_view bytes, size_t from)
{
    // From a little before the new bytes, so an empty line split across two reads is found.
    from = from >= 3 ? from - 3 : 0;
    const size_t crlf = bytes.find("\n\r\n", from);
    return crlf != std::string_view::npos || bytes.find("\n\n", from) != std::string_view::npos;
}

} // namespace

MessageFile::MessageFile(std::shared_ptr<const std::filesystem::path> cur, std::string name,
                         uint64_t fileSize, bool lf)
    : m_cur(std::move(cur)), m_name(std::move(name)), m_fileSize(fileSize), m_lf(lf)
{
    m_name.shrink_to_fit();
}

std::optional<std::string> MessageFile::readAll() const
{
    return read(false);
}

std::optional<std::string> MessageFile::readHeader() const
{
    return read(true);
}

std::optional<std::string> MessageFile::read(bool headerOnly) const
{
    // Joined as text: path's operator/ parses both sides, and every RETR and BODY[] comes through here.
    std::string path = m_cur->native();
    path += '/';
    path += m_name;
    // A symbolic link is never followed: it could point into another account (F10). O_NONBLOCK: a FIFO put in
    // the file's place must not hang the server in open(); it is then refused as not a regular file.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return std::nullopt;
    struct stat st = {};
    std::string bytes;
    bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == m_fileSize;
    size_t want = ok ? static_cast<size_t>(m_fileSize) : 0;
    if (headerOnly) want = std::min(want, kHeaderChunk);
    while (ok && bytes.size() < m_fileSize) {
        const size_t have = bytes.size();
        bytes.resize(have + (want - have));
        ssize_t n = ::pread(fd, bytes.data() + have, want - have, static_cast<off_t>(have));
        if (n < 0 && errno == EINTR) {
            bytes.resize(have);
            continue;
        }
        bytes.resize(have + static_cast<size_t>(std::max<ssize_t>(n, 0)));
        if (n <= 0) {
            ok = false; // shorter than it was a moment ago: rewritten behind our back
            break;
        }
        if (bytes.size() < want) continue;
        if (headerOnly && endsHeader(bytes, have)) break;
        want = std::min<size_t>(static_cast<size_t>(m_fileSize), want * 2);
    }
    ::close(fd);
    if (!ok) return std::nullopt;
    if (m_lf) return util::toCrlf(bytes);
    return bytes;
}

} // namespace maillab::store
