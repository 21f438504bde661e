// The demo accounts (alice / wonderland, bob / builder) and their mail from
// assets/mail/<user>/<Folder>/*.eml.
#pragma once

#include "store/store.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace maillab::store {

struct DemoAccount {
    const char* user;
    const char* password;
};
inline constexpr DemoAccount kDemoAccounts[] = {{"alice", "wonderland"}, {"bob", "builder"}};

// Reads one .eml file and returns its bytes with CRLF line ends; empty on error (error says why).
std::string readMessageFile(const std::filesystem::path& file, std::string& error);

// Delivers the files of assets/mail/<user>/ into the user's folders, in file-name order, so every run
// gets the same UIDs. `only` limits it to those paths relative to the user's folder ("INBOX/01-x.eml").
// Returns the number of messages loaded; problems are appended to errors.
size_t loadUserMail(Store& store, const std::filesystem::path& mailDir, const std::string& user,
                    const std::vector<std::string>& only, std::vector<std::string>& errors);

// Both demo accounts with all their mail and the standard special-use folders.
void loadDemoAccounts(Store& store, const std::filesystem::path& mailDir);

} // namespace maillab::store
