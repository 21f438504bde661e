// What an exchange meant, told by the server session that answered it. The transcript keeps these beside the
// bytes, and everything that needs the meaning of a reply (the dashboard's panels, serve's login throttle,
// the exports) reads them here instead of matching protocol text: reword a reply and nothing else changes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace maillab::wire {

// How the server answered. POP3: Ok ("+OK"), Err ("-ERR"), Continue ("+ " during SASL, RFC 5034 section 4).
// IMAP: the tagged Ok / No / Bad (RFC 3501 section 7.1), Continue ("+", section 7.5), Bye (section 7.1.5)
// when the server ends the connection without a tagged answer.
enum class Status : uint8_t { None, Ok, Err, No, Bad, Bye, Continue };
const char* statusName(Status status); // "OK", "-ERR", ...
inline bool refused(Status status)
{
    return status == Status::Err || status == Status::No || status == Status::Bad;
}

// One thing an exchange did to a message or a mailbox, or sent of it.
struct Effect {
    enum class Kind : uint8_t {
        Sent,           // message content crossed the wire to the client (extent says how much)
        Marked,         // POP3 DELE: marked for deletion, removed at QUIT (RFC 1939 section 5)
        Unmarked,       // POP3 RSET
        Expunged,       // removed from the server for good (POP3 UPDATE, IMAP EXPUNGE / CLOSE / MOVE)
        Copied,         // IMAP COPY: a copy in `target` with `targetUid`
        Moved,          // IMAP MOVE: the same, and the original expunged
        FlagsChanged,   // `flags` holds the flags afterwards
        Appended,       // IMAP APPEND: a new message in `mailbox`
        MailboxCreated, // IMAP CREATE
        MailboxDeleted, // IMAP DELETE
        MailboxRenamed, // IMAP RENAME to `target`
    };
    // How much of a message was sent: the whole message (RETR, BODY[]), the header only (TOP n 0,
    // BODY[HEADER], ENVELOPE), the header and the first lines (TOP n k), the text without the header
    // (BODY[TEXT]), or one MIME part (BODY[1.2]).
    enum class Extent : uint8_t { Whole, Headers, HeadersAndLines, Text, Part };

    Kind kind = Kind::Sent;
    Extent extent = Extent::Whole;
    std::string mailbox; // "INBOX" for POP3
    uint32_t uid = 0;    // the store's UID of the message (0 for mailbox effects)
    uint32_t number = 0; // its number in the acting session (POP3 message number, IMAP sequence number)
    std::string part;    // Extent::Part: "1.2"; Extent::HeadersAndLines: the line count
    uint64_t bytes = 0;  // content bytes sent, for Sent
    std::string target;  // Copied / Moved: the destination mailbox; MailboxRenamed: the new name
    uint32_t targetUid = 0;
    std::string flags; // FlagsChanged: the flags after the change, as the protocol writes them
};

enum class Login : uint8_t { None, Succeeded, Failed };

// One command and its answer (or the greeting, or news the server sent on its own).
struct Exchange {
    std::string command; // the command's wire name ("RETR", "UID FETCH"); empty for the greeting and news
    std::string tag;     // IMAP only
    Status status = Status::None;
    std::string code;        // the response code without brackets and arguments: "IN-USE", "TRYCREATE"
    std::string statusLine;  // the line that carries the status, without CRLF: "+OK 2 messages", "a1 OK ..."
    std::string stateBefore; // the session's state as the RFC names it, before and after
    std::string stateAfter;
    Login login = Login::None;
    std::string user; // for Login: the user name that was tried
    std::vector<Effect> effects;
};

// What a line of a command or a reply means, for the dashboard's hover help and the exports; each protocol's
// vocabulary says it (pop3::explainReplyLine, imap::explainReplyLine, ...).
struct LineHelp {
    std::string title; // "+OK", "* EXISTS (untagged)", "RETR msg"
    std::string text;
    std::string rfc;
};

} // namespace maillab::wire
