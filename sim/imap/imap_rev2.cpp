// IMAP4rev2 (RFC 9051) beside IMAP4rev1, and UTF8=ACCEPT (RFC 6855): mailbox names in UTF-8 on the wire,
// modified UTF-7 in the store, and the LIST line that SELECT sends in IMAP4rev2.
#include "imap/imap_format.hpp"
#include "imap/imap_names.hpp"
#include "imap/imap_session.hpp"
#include "util/sasl.hpp"

namespace maillab::imap {

std::variant<Command, std::string> ImapSession::inStoreNames(const Command& c) const
{
    Command named = c;
    for (std::string* name : {&named.mailbox, &named.newName, &named.pattern}) {
        // A literal can carry any bytes; a quoted string was checked by the parser already.
        if (!util::isUtf8(*name))
            return std::string("a mailbox name is UTF-8 once IMAP4rev2 or UTF8=ACCEPT is enabled (RFC 9051 "
                               "section 5.1, RFC 6855 section 3)");
        *name = encodeModifiedUtf7(*name);
    }
    return named;
}

std::string ImapSession::mailboxString(const std::string& storedName) const
{
    if (!utf8Enabled()) return astring(storedName);
    // A name an IMAP4rev1 client stored that is not modified UTF-7 is shown as it is.
    std::optional<std::string> utf8 = decodeModifiedUtf7(storedName);
    return astring(utf8 ? *utf8 : storedName, true);
}

std::string ImapSession::selectedListLine(const store::Account& account, const std::string& storedName) const
{
    return "* LIST (" + listAttributes(account, storedName) + ") \"/\" " + mailboxString(storedName) + "\r\n";
}

} // namespace maillab::imap
