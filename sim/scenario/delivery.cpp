#include "scenario/delivery.hpp"

#include "mail/date.hpp"
#include "store/demo_mail.hpp"
#include "util/text.hpp"

namespace maillab::scenario {

std::string deliveredMessage(const Action& action, const std::filesystem::path& mailDir, int64_t nowSeconds,
                             int serial, std::string& error)
{
    if (!action.messageFile.empty()) return store::readMessageFile(mailDir / action.messageFile, error);
    mail::DateTime now{nowSeconds, 0};
    std::string text = "Date: " + mail::formatRfc5322Date(now) + "\r\n" + "From: " + action.from + "\r\n" +
                       "To: " + action.to + "@maillab.example\r\n" + "Subject: " + action.subject + "\r\n" +
                       "Message-ID: <sim." + std::to_string(serial) + "." + std::to_string(now.epochSeconds) +
                       "@maillab.example>\r\n" + "MIME-Version: 1.0\r\n" +
                       "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + util::toCrlf(action.body);
    if (text.size() < 2 || text.compare(text.size() - 2, 2, "\r\n") != 0) text += "\r\n";
    return text;
}

bool holdsEicarTestString(std::string_view bytes)
{
    // Written in two parts so that this source file is not itself reported by a virus scanner.
    static const std::string eicar =
        std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$") + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    return bytes.find(eicar) != std::string_view::npos;
}

} // namespace maillab::scenario
