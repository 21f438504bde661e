// A message that stays in its Maildir file (MaildirSync, `serve --maildir`) and is read when asked for.
#pragma once

#include "store/store.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace maillab::store {

// The file <cur>/<name>. Its name changes with its flags and its folder with a RENAME: MaildirSync, which
// does both, tells it. A read finds the file gone or of another size when another program removed or rewrote
// it (Maildir files never change in place), and fails: the message is then answered as expunged, and the next
// rescan expunges it for every session.
class MessageFile final : public MessageSource {
public:
    // `fileSize`: its size on disk when listed. `lf`: another program's file with LF line ends, served as
    // CRLF (IMAP and POP3 count CRLF octets).
    MessageFile(std::shared_ptr<const std::filesystem::path> cur, std::string name, uint64_t fileSize,
                bool lf);

    void setName(std::string name) { m_name = std::move(name); }
    void setFolder(std::shared_ptr<const std::filesystem::path> cur) { m_cur = std::move(cur); }
    const std::string& name() const { return m_name; }

    std::optional<std::string> readAll() const override;
    std::optional<std::string> readHeader() const override;
    size_t heldBytes() const override { return sizeof(MessageFile) + m_name.capacity(); }

private:
    std::optional<std::string> read(bool headerOnly) const;

    std::shared_ptr<const std::filesystem::path> m_cur; // shared by the files of one folder
    std::string m_name;
    uint64_t m_fileSize;
    bool m_lf;
};

} // namespace maillab::store
