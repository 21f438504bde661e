// The server mailboxes panel: see mailbox_panel.hpp.
#include "mailbox_panel.hpp"

#include "imap/imap_session.hpp"
#include "lesson_player.hpp"
#include "mail/date.hpp"
#include "mail/message.hpp"
#include "panels.hpp"
#include "pop3/pop3_session.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cstdio>

namespace maillab::gui {
namespace {

std::string flagText(const store::StoredMessage& m)
{
    std::string out;
    for (store::Flag flag : store::kAllFlags)
        if (m.has(flag)) {
            out += out.empty() ? "" : " ";
            out += store::flagName(flag);
        }
    for (const std::string& keyword : m.keywords) {
        out += out.empty() ? "" : " ";
        out += keyword;
    }
    return out;
}

// Special-use folders in words (RFC 6154 section 2).
const char* specialUseText(const std::string& use)
{
    if (use == "\\Sent") return "sent mail";
    if (use == "\\Drafts") return "drafts";
    if (use == "\\Trash") return "deleted mail";
    if (use == "\\Junk") return "spam";
    if (use == "\\Archive") return "archive";
    if (use == "\\All") return "all mail";
    if (use == "\\Flagged") return "flagged mail";
    return "";
}

void tooltip(const char* text)
{
    if (!ImGui::IsItemHovered()) return;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

// Starts the next item on this line when `text` still fits there, else on the next line.
void flowText(const char* text)
{
    ImGui::SameLine();
    if (ImGui::GetContentRegionAvail().x < ImGui::CalcTextSize(text).x) ImGui::NewLine();
}

// A band behind the next line, for what changed in the last step.
void highlightLine(const ImVec4& colour)
{
    ImVec2 pos = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(
        pos, ImVec2(pos.x + ImGui::GetContentRegionAvail().x, pos.y + ImGui::GetTextLineHeightWithSpacing()),
        ImGui::GetColorU32(colour));
}

// A line through the last item's text: a message that is going away.
void strikeThrough(const ImVec4& colour)
{
    ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
    float y = (min.y + max.y) * 0.5f;
    ImGui::GetWindowDrawList()->AddLine(ImVec2(min.x, y), ImVec2(max.x, y), ImGui::GetColorU32(colour), 1.5f);
}

} // namespace

void MailboxPanel::select(const std::string& user, const std::string& mailbox)
{
    m_user = user;
    m_mailbox = mailbox;
}

std::string MailboxPanel::sessionName(const Context& c, int sessionId) const
{
    for (const SessionView& s : c.sessions)
        if (s.id == sessionId) return s.device + " (session " + std::to_string(sessionId) + ")";
    return "session " + std::to_string(sessionId);
}

const MailboxPanel::Summary& MailboxPanel::summary(const store::StoredMessage& message)
{
    const store::MessageData* key = message.data.get();
    auto it = m_summaries.find(key);
    if (it != m_summaries.end() && it->second.data.lock().get() == key) return it->second;
    // A long session can leave summaries of messages that are gone: start over now and then.
    if (m_summaries.size() > 50000) m_summaries.clear();
    mail::Summary s = mail::summarize(message.headerOrEmpty());
    ++m_summariesMade;
    Summary out;
    out.data = message.data;
    out.from = std::move(s.from);
    out.subject = std::move(s.subject);
    out.fullDate = std::move(s.date);
    out.messageId = std::move(s.messageId);
    if (std::optional<mail::DateTime> when = mail::parseRfc5322Date(out.fullDate))
        out.date = mail::formatImapDateTime(*when).substr(0, 17); // "26-Nov-2026 09:00"
    else
        out.date = out.fullDate;
    return m_summaries[key] = std::move(out);
}

// Focus follows the action: the account of the device acting now, and the folder its session has open.
void MailboxPanel::followActor(const Context& c)
{
    m_actorUser.clear();
    if (c.actor.empty()) return;
    std::string user, folder = "INBOX";
    for (const scenario::Device* d : c.devices)
        if (d->spec.name == c.actor) user = d->spec.user;
    for (const SessionView& s : c.sessions) {
        if (s.device != c.actor) continue;
        if (const auto* imap = dynamic_cast<const imap::ImapSession*>(s.session)) {
            if (!imap->user().empty()) user = imap->user();
            if (!imap->selectedMailbox().empty()) folder = imap->selectedMailbox();
        } else if (const auto* pop = dynamic_cast<const pop3::Pop3Session*>(s.session);
                   pop && !pop->user().empty()) {
            user = pop->user();
        }
    }
    m_actorUser = user;
    const int step = c.changes ? c.changes->step : -1;
    if (user.empty() || (c.actor == m_followedActor && step == m_followedStep)) return;
    m_followedActor = c.actor;
    m_followedStep = step;
    select(user, folder);
}

// What the shown folder's rows need this frame: deletion marks, changes, the lock holder.
void MailboxPanel::refresh(const Context& c)
{
    const std::vector<std::string> users = c.store->users();
    const store::Account* account = c.store->account(m_user);
    if (!account && !users.empty()) {
        m_user = users.front();
        account = c.store->account(m_user);
    }
    m_shown = account ? c.store->mailbox(m_user, m_mailbox) : nullptr;
    if (account && !m_shown) {
        m_mailbox = "INBOX";
        m_shown = c.store->mailbox(m_user, m_mailbox);
    }

    m_lockHolder = account && account->pop3LockHolder ? sessionName(c, account->pop3LockHolder) : "";

    // POP3 marks live in the sessions, not the store (RFC 1939 section 6: nothing is removed before UPDATE).
    m_marked.clear();
    m_marksNow.clear();
    for (const SessionView& s : c.sessions) {
        const auto* pop = dynamic_cast<const pop3::Pop3Session*>(s.session);
        if (!pop || pop->state() != pop3::State::Transaction || pop->user() != m_user) continue;
        for (const pop3::Pop3Session::MaildropEntry& entry : pop->maildrop())
            if (entry.markedDeleted) {
                if (m_mailbox == "INBOX") m_marked.emplace(entry.uid, s.device);
                m_marksNow.insert({s.id, entry.uid});
            }
    }

    // The store's changes of the last step, and the DELEs it sent (they change no stored message): a mark is
    // new when the frame before the step did not see it.
    m_changedUids.clear();
    const int generation = c.player ? c.player->generation() : -1;
    const int step = c.changes ? c.changes->step : -1;
    if (generation != m_generation) {
        m_generation = generation;
        m_marksBefore = m_marksNow; // a replay: what came before is not known
    } else if (step != m_step) {
        m_marksBefore = m_marksLastFrame;
    }
    m_step = step;
    m_marksLastFrame = m_marksNow;
    if (c.changes) {
        for (const auto& [user, mailbox, uid] : c.changes->messages)
            if (user == m_user && mailbox == m_mailbox) m_changedUids.insert(uid);
        if (m_mailbox == "INBOX")
            for (const auto& mark : m_marksNow)
                if (!m_marksBefore.contains(mark)) m_changedUids.insert(mark.second);
    }
}

void MailboxPanel::draw(Context& c)
{
    if (!c.store) {
        ImGui::TextWrapped("No server to show: no lesson is loaded and no server is running.");
        return;
    }
    followActor(c);
    refresh(c);
    const float width = ImGui::GetContentRegionAvail().x;
    const bool sideBySide = width > ImGui::GetFontSize() * 40;
    const float treeWidth = sideBySide ? std::max(ImGui::GetFontSize() * 12, width * 0.28f) : 0.0f;
    // Stacked, the tree gets what its lines need, up to a third of the panel.
    float treeHeight = 0;
    if (!sideBySide) {
        size_t lines = 0;
        for (const std::string& user : c.store->users()) {
            ++lines;
            if (user == m_user) lines += c.store->account(user)->mailboxes.size();
        }
        treeHeight = std::min(ImGui::GetContentRegionAvail().y * 0.34f,
                              static_cast<float>(lines) * ImGui::GetTextLineHeightWithSpacing() +
                                  ImGui::GetStyle().WindowPadding.y * 2);
    }
    ImGui::BeginChild("folders", ImVec2(treeWidth, treeHeight), true);
    drawTree(c);
    ImGui::EndChild();
    if (sideBySide) {
        ImGui::SameLine();
        ImGui::BeginChild("folder");
        drawFolder(c);
        ImGui::EndChild();
    } else {
        drawFolder(c);
    }
}

void MailboxPanel::drawTree(Context& c)
{
    for (const std::string& user : c.store->users()) {
        const store::Account& account = *c.store->account(user);
        ImGui::PushID(user.c_str());
        if (c.changes && c.changes->accounts.contains(user)) highlightLine(c.palette.changed);
        ImGuiTreeNodeFlags flags = ImGuiTreeNodeFlags_SpanAvailWidth | ImGuiTreeNodeFlags_OpenOnArrow;
        if (user == m_user) ImGui::SetNextItemOpen(true, ImGuiCond_Appearing);
        bool open = ImGui::TreeNodeEx("account", flags, "%s", user.c_str());
        probe::track("Account " + user);
        if (ImGui::IsItemClicked() && !ImGui::IsItemToggledOpen()) select(user, "INBOX");
        if (user == m_actorUser) {
            ImGui::SameLine();
            ImGui::TextColored(c.palette.stateLit, "\xe2\x97\x80 %s", c.actor.c_str());
        }
        if (account.pop3LockHolder) {
            ImGui::SameLine();
            auto holder = std::find_if(c.sessions.begin(), c.sessions.end(),
                                       [&](const SessionView& v) { return v.id == account.pop3LockHolder; });
            ImGui::TextColored(c.palette.note, "locked by %s",
                               holder != c.sessions.end() ? holder->device.c_str() : "a POP3 session");
            tooltip(
                "A POP3 session that has logged in holds the maildrop lock until it ends: other POP3 logins "
                "to this account get -ERR [IN-USE] (RFC 1939 section 4, RFC 2449 section 8.1.2).");
        }
        if (open) {
            FolderNode root;
            for (const auto& [name, mailbox] : account.mailboxes) {
                FolderNode* node = &root;
                size_t pos = 0;
                while (true) {
                    size_t slash = name.find('/', pos);
                    node =
                        &node->children[name.substr(pos, slash == std::string::npos ? slash : slash - pos)];
                    if (slash == std::string::npos) break;
                    pos = slash + 1;
                }
                node->mailbox = name;
            }
            // INBOX first, as every mail program shows it.
            if (auto inbox = root.children.find("INBOX"); inbox != root.children.end())
                drawFolderNode(c, account, "INBOX", inbox->second);
            for (const auto& [label, node] : root.children)
                if (label != "INBOX") drawFolderNode(c, account, label, node);
            ImGui::TreePop();
        }
        ImGui::PopID();
    }
}

void MailboxPanel::drawFolderNode(Context& c, const store::Account& account, const std::string& label,
                                  const FolderNode& node)
{
    const store::Mailbox* mailbox = nullptr;
    if (!node.mailbox.empty()) mailbox = &account.mailboxes.at(node.mailbox);
    const bool selected = mailbox && account.user == m_user && node.mailbox == m_mailbox;
    if (mailbox && c.changes && c.changes->mailboxes.contains({account.user, node.mailbox}))
        highlightLine(c.palette.changed);
    ImGuiTreeNodeFlags flags =
        ImGuiTreeNodeFlags_SpanAvailWidth | ImGuiTreeNodeFlags_OpenOnArrow | ImGuiTreeNodeFlags_DefaultOpen;
    if (node.children.empty()) flags |= ImGuiTreeNodeFlags_Leaf | ImGuiTreeNodeFlags_NoTreePushOnOpen;
    if (selected) flags |= ImGuiTreeNodeFlags_Selected;
    bool open = ImGui::TreeNodeEx(label.c_str(), flags, "%s", label.c_str());
    if (mailbox) {
        probe::track("Folder " + account.user + "/" + node.mailbox);
        if (ImGui::IsItemClicked() && !ImGui::IsItemToggledOpen()) select(account.user, node.mailbox);
        ImGui::SameLine();
        ImGui::TextColored(c.palette.dim, "%zu", mailbox->messages.size());
        if (const char* use = specialUseText(mailbox->specialUse); *use) {
            ImGui::SameLine();
            ImGui::TextColored(c.palette.dim, "%s", use);
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("Special-use %s: mail programs know what this folder is for (RFC 6154)",
                                  mailbox->specialUse.c_str());
        }
    }
    if (open && !node.children.empty()) {
        for (const auto& [childLabel, child] : node.children)
            drawFolderNode(c, account, childLabel, child);
        ImGui::TreePop();
    }
}

void MailboxPanel::drawFolder(Context& c)
{
    if (!m_shown) {
        ImGui::TextColored(c.palette.dim, "No folder selected.");
        return;
    }
    const store::Mailbox& mailbox = *m_shown;
    size_t bytes = 0;
    for (const store::StoredMessage& m : mailbox.messages)
        bytes += m.size();
    ImGui::Text("%s / %s", m_user.c_str(), mailbox.name.c_str());
    std::string text = util::withThousands(mailbox.messages.size()) +
                       (mailbox.messages.size() == 1 ? " message, " : " messages, ") +
                       util::withThousands(bytes) + " bytes";
    flowText(text.c_str());
    ImGui::TextColored(c.palette.dim, "%s", text.c_str());
    text = "UIDVALIDITY " + std::to_string(mailbox.uidValidity);
    ImGui::TextColored(c.palette.dim, "%s", text.c_str());
    tooltip(
        "UIDVALIDITY names this folder's UID numbering. While it stays the same, a UID always means the same "
        "message, so a device can remember what it already has (RFC 3501 section 2.3.1.1). POP3's UIDL ids "
        "are built from it too.");
    text = "UIDNEXT " + std::to_string(mailbox.uidNext);
    flowText(text.c_str());
    ImGui::TextColored(c.palette.dim, "%s", text.c_str());
    tooltip(
        "The UID the next message that arrives will get. UIDs only grow: a deleted message's UID is never "
        "used again (RFC 3501 section 2.3.1.1).");
    if (!m_lockHolder.empty() && m_mailbox == "INBOX") {
        text = "POP3 maildrop locked by " + m_lockHolder;
        flowText(text.c_str());
        ImGui::TextColored(c.palette.note, "%s", text.c_str());
        tooltip("While a POP3 session is logged in it holds the maildrop lock: no other POP3 session can "
                "open this "
                "inbox until it ends (RFC 1939 section 4).");
    }
    // Messages that went in the last step are not in the table any more: say so.
    std::string gone;
    for (uint32_t uid : m_changedUids)
        if (!mailbox.find(uid) && !m_marked.contains(uid))
            gone += (gone.empty() ? "UID " : ", UID ") + std::to_string(uid);
    if (!gone.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, c.palette.deleted);
        ImGui::TextWrapped("Removed in the last step: %s", gone.c_str());
        ImGui::PopStyleColor();
    }
    if (!m_marked.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, c.palette.deleted);
        ImGui::TextWrapped("%zu marked with DELE: removed only when the POP3 session ends with QUIT",
                           m_marked.size());
        ImGui::PopStyleColor();
    }
    drawMessages(c, mailbox);
}

void MailboxPanel::drawMessages(Context& c, const store::Mailbox& mailbox)
{
    if (mailbox.messages.empty()) {
        ImGui::TextColored(c.palette.dim, "This folder is empty.");
        return;
    }
    // The table fits the panel: From and Subject share the room left by the short columns, and a long one
    // keeps its start and its end (whole on hover) instead of running off the edge.
    // Not resizable: a resizable column keeps the width it first measured, and "10" would not fit where
    // "9" did; these follow their contents every frame.
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_Hideable | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("messages", 7, flags)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("#");
    ImGui::TableSetupColumn("UID");
    ImGui::TableSetupColumn("Flags");
    ImGui::TableSetupColumn("Size");
    // A narrow panel keeps the subject: sender and date give way (both are in the subject's tooltip).
    const ImGuiTableColumnFlags secondary =
        ImGui::GetContentRegionAvail().x < ImGui::GetFontSize() * 36 ? ImGuiTableColumnFlags_Disabled : 0;
    ImGui::TableSetupColumn("From", secondary | ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableSetupColumn("Subject", ImGuiTableColumnFlags_WidthStretch, 1.6f);
    ImGui::TableSetupColumn("Date", secondary);
    ImGui::TableHeadersRow();
    const Palette& p = c.palette;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(mailbox.messages.size()));
    while (clipper.Step())
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const store::StoredMessage& m = mailbox.messages[static_cast<size_t>(i)];
            const Summary& s = summary(m);
            ImGui::TableNextRow();
            if (m_changedUids.contains(m.uid))
                ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, ImGui::GetColorU32(p.changed));
            auto marked = m_marked.find(m.uid);
            const bool dele = marked != m_marked.end(), deletedFlag = m.has(store::kDeleted);
            const bool going = dele || deletedFlag;
            if (going) ImGui::PushStyleColor(ImGuiCol_Text, p.deleted);
            ImGui::TableNextColumn();
            ImGui::Text("%d", i + 1);
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip(
                    "Sequence number %d: the message's position in the folder now. It shifts when a "
                    "message before it is removed; the UID does not.",
                    i + 1);
            ImGui::TableNextColumn();
            ImGui::Text("%u", m.uid);
            ImGui::TableNextColumn();
            if (dele) {
                ImGui::TextUnformatted("DELE");
                if (ImGui::IsItemHovered())
                    ImGui::SetTooltip(
                        "%s's POP3 session marked this message with DELE.\nIt is removed only when "
                        "that session ends with QUIT;\nRSET or a dropped connection keeps it "
                        "(RFC 1939 section 6).",
                        marked->second.c_str());
                ImGui::SameLine();
            }
            std::string flagsText = flagText(m);
            ImGui::TextUnformatted(flagsText.c_str());
            if (deletedFlag && ImGui::IsItemHovered())
                ImGui::SetTooltip("\\Deleted: marked for deletion. EXPUNGE or CLOSE removes it for good "
                                  "(RFC 3501 section 6.4.3).");
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(util::withThousands(m.size()).c_str());
            ImGui::TableNextColumn();
            fittedText(s.from, ImGui::GetStyleColorVec4(ImGuiCol_Text));
            if (going) strikeThrough(p.deleted);
            ImGui::TableNextColumn();
            fittedText(s.subject.empty() ? "(no subject)" : s.subject,
                       ImGui::GetStyleColorVec4(ImGuiCol_Text));
            if (going) strikeThrough(p.deleted);
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("%s\nFrom: %s\nDate: %s\nMessage-ID: %s", s.subject.c_str(), s.from.c_str(),
                                  s.fullDate.c_str(), s.messageId.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(s.date.c_str());
            if (going) ImGui::PopStyleColor();
        }
    ImGui::EndTable();
}

std::unique_ptr<Panel> makeMailboxPanel()
{
    return std::make_unique<MailboxPanel>();
}

} // namespace maillab::gui
