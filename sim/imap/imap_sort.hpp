// SORT and THREAD (RFC 5256, with RFC 5957's DISPLAYFROM and DISPLAYTO): the order and the conversations of
// the messages a search found. Pure: messages in, numbers or a THREAD answer out; the session
// (imap_sort.cpp's cmdSort / cmdThread, imap_fetch.cpp's search job) finds the messages.
#pragma once

#include "imap/imap_types.hpp"
#include "mail/message.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::imap {

// One message a SORT or THREAD works on: its sequence number breaks every tie (RFC 5256 sections 2.2 and 3),
// `number` is what the answer names (the sequence number, or the UID for UID SORT / UID THREAD).
struct SortMessage {
    const store::StoredMessage* message = nullptr;
    uint32_t sequence = 0;
    uint32_t number = 0;
    mail::Headers headers; // parsed once from the kept header block (a message on disk is not read whole)
};

// The base subject of RFC 5256 section 2.1: encoded-words decoded, "Re:", "Fwd:", "[blob]" leaders,
// "(fwd)" trailers and "[fwd: ...]" wrappers taken off. `replyOrForward` says whether any of those but a
// plain blob was found, which THREAD=REFERENCES uses to merge threads (section 3, step 6).
std::string baseSubject(std::string_view subject, bool* replyOrForward = nullptr);

// RFC 4790's i;ascii-casemap order, which SORT compares strings with: a-z as A-Z, then octet by octet.
int compareCasemap(std::string_view a, std::string_view b);

// The order the criteria ask for, as positions in `messages`; ties by sequence number (RFC 5256 section 3).
std::vector<size_t> sortOrder(const std::vector<SortMessage>& messages,
                              const std::vector<SortCriterion>& criteria);

// The THREAD answer after "* THREAD", e.g. " (1 2 (3)(4))(5)" (RFC 5256 sections 3 and 4).
std::string threadAnswer(const std::vector<SortMessage>& messages, ThreadAlgorithm algorithm);

} // namespace maillab::imap
