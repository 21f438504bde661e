// The server's mail store as it is now: accounts, the folder tree, and the selected folder's messages with
// their UIDs, flags and sizes; POP3 deletion marks until QUIT, who holds the POP3 maildrop lock, and what the
// last step changed. Scales to a 10,000-message folder: a clipper draws the visible rows, and each message's
// summary (From, Subject, Date) is worked out once and cached.
#pragma once

#include "panel.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

namespace maillab::gui {

class MailboxPanel : public Panel {
public:
    const char* id() const override { return "mailboxes"; }
    const char* title() const override { return "Server mailboxes"; }
    ImVec4 defaultRect() const override { return ImVec4(0.0f, 0.36f, 0.30f, 0.64f); }
    void draw(Context& context) override;

    // Shows this folder (as clicking it in the tree does).
    void select(const std::string& user, const std::string& mailbox);

    // [SECTION] what the last frame showed (tests read it; the drawing uses the same state)
    const std::string& selectedUser() const { return m_user; }
    const std::string& selectedMailbox() const { return m_mailbox; }
    // Marked for deletion in the shown folder: by a POP3 session's DELE (until QUIT) or IMAP's \Deleted.
    bool markedForDeletion(uint32_t uid) const
    {
        if (m_marked.contains(uid)) return true;
        const store::StoredMessage* m = m_shown ? m_shown->find(uid) : nullptr;
        return m && m->has(store::kDeleted); // IMAP \Deleted, waiting for EXPUNGE
    }
    // Highlighted as changed by the last step.
    bool highlighted(uint32_t uid) const { return m_changedUids.contains(uid); }
    // "laptop (session 1)" when a POP3 session holds the selected account's maildrop lock, else "".
    const std::string& lockHolder() const { return m_lockHolder; }
    // How many times a message was summarized (From, Subject, Date); the cache keeps this near the rows
    // drawn.
    size_t summariesMade() const { return m_summariesMade; }

private:
    struct Summary {
        std::weak_ptr<const store::MessageData> data; // to tell a reused address from the same message
        std::string from, subject, date, fullDate, messageId;
    };
    struct FolderNode {
        std::string mailbox; // full name when this node is a mailbox, else empty (a parent only in names)
        std::map<std::string, FolderNode> children;
    };

    void followActor(const Context& c);
    void refresh(const Context& c);
    void drawTree(Context& c);
    void drawFolderNode(Context& c, const store::Account& account, const std::string& label,
                        const FolderNode& node);
    void drawFolder(Context& c);
    void drawMessages(Context& c, const store::Mailbox& mailbox);
    const Summary& summary(const store::StoredMessage& message);
    std::string sessionName(const Context& c, int sessionId) const;

    std::string m_user, m_mailbox;
    const store::Mailbox* m_shown = nullptr;
    // The acting device whose account and folder the panel last turned to, and in which step: a folder the
    // user clicks stays shown until the next step.
    std::string m_followedActor;
    int m_followedStep = -1;
    std::string m_actorUser;

    // Worked out once a frame for the shown folder.
    std::map<uint32_t, std::string> m_marked; // uid -> the device whose POP3 session marked it
    std::set<uint32_t> m_changedUids;         // the last step's changes, and newly marked DELEs
    std::string m_lockHolder;

    // Newly marked DELEs count as changes: the marks as they were when the step before ended.
    int m_step = -1, m_generation = -1;
    std::set<std::pair<int, uint32_t>> m_marksNow, m_marksLastFrame, m_marksBefore; // (session, uid)

    std::unordered_map<const store::MessageData*, Summary> m_summaries;
    size_t m_summariesMade = 0;
};

} // namespace maillab::gui
