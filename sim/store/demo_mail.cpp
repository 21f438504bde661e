#include "store/demo_mail.hpp"

#include "mail/date.hpp"
#include "mail/message.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace maillab::store {

std::string readMessageFile(const std::filesystem::path& file, std::string& error)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        error = "cannot read " + file.string();
        return {};
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return util::toCrlf(bytes.str());
}

namespace {

void deliverFile(Store& store, const std::string& user, const std::string& folder,
                 const std::filesystem::path& file, std::vector<std::string>& errors, size_t& count)
{
    std::string error;
    std::string bytes = readMessageFile(file, error);
    if (!error.empty()) {
        errors.push_back(error);
        return;
    }
    if (!store.mailbox(user, folder)) store.createMailbox(user, folder);
    mail::Headers headers = mail::parseHeaders(bytes.substr(0, mail::findBodyOffset(bytes)));
    mail::DateTime date;
    if (const std::string* field = headers.find("Date")) date = mail::parseRfc5322Date(*field).value_or(date);
    // Filed mail (Archive) has been read; everything else arrives unread.
    uint8_t flags = folder == "Archive" ? kSeen : kRecent;
    store.deliver(user, folder, std::move(bytes), date, flags);
    ++count;
}

} // namespace

size_t loadUserMail(Store& store, const std::filesystem::path& mailDir, const std::string& user,
                    const std::vector<std::string>& only, std::vector<std::string>& errors)
{
    size_t count = 0;
    const std::filesystem::path userDir = mailDir / user;
    if (!only.empty()) {
        for (const std::string& relative : only) {
            std::filesystem::path path = userDir / relative;
            std::string folder = std::filesystem::path(relative).parent_path().generic_string();
            if (folder.empty()) folder = "INBOX";
            if (!std::filesystem::is_regular_file(path)) {
                errors.push_back("no message file " + path.string());
                continue;
            }
            deliverFile(store, user, folder, path, errors, count);
        }
        return count;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(userDir, ec)) return 0;
    std::vector<std::filesystem::path> files;
    for (auto it = std::filesystem::recursive_directory_iterator(userDir, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file() && it->path().extension() == ".eml") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const std::filesystem::path& file : files) {
        std::string folder = std::filesystem::relative(file.parent_path(), userDir).generic_string();
        deliverFile(store, user, folder, file, errors, count);
    }
    return count;
}

void loadDemoAccounts(Store& store, const std::filesystem::path& mailDir)
{
    std::vector<std::string> errors;
    for (const DemoAccount& demo : kDemoAccounts) {
        store.addAccount(demo.user, demo.password);
        addStandardMailboxes(store, demo.user);
        loadUserMail(store, mailDir, demo.user, {}, errors);
    }
}

} // namespace maillab::store
