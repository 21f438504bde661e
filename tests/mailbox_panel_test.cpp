// The server mailboxes panel driven headless: POP3 deletion marks until QUIT, the maildrop lock, changed
// rows, folder selection, and a 10,000-message folder that only summarizes the rows it draws.
#include "gui_harness.hpp"
#include "mailbox_panel.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace maillab::test {
namespace {

using Kind = wire::TranscriptEntry::Kind;

gui::DashboardOptions lesson(const std::string& name)
{
    gui::DashboardOptions options;
    options.lesson = sourceDir() / "lessons" / name;
    return options;
}

gui::MailboxPanel& mailboxPanel(GuiHarness& gui)
{
    auto* panel = dynamic_cast<gui::MailboxPanel*>(gui.dashboard().panel("mailboxes"));
    EXPECT_NE(panel, nullptr);
    return *panel;
}

// Steps until the last client line of the transcript starts with `command` and has its reply.
bool stepPast(gui::LessonPlayer& player, const std::string& command)
{
    while (player.step()) {
        const auto& entries = player.simulation()->transcript().entries();
        for (auto it = entries.rbegin(); it != entries.rend() && it->step == player.stepNumber(); ++it)
            if (it->kind == Kind::Data && it->direction == wire::Direction::ClientToServer &&
                it->bytes.starts_with(command))
                return true;
    }
    return false;
}

TEST(MailboxPanel, DeleMarksShowUntilQuitRemovesTheMessage_Rfc1939_6)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    gui::MailboxPanel& panel = mailboxPanel(gui);
    ASSERT_TRUE(stepPast(player, "DELE 1"));
    gui.frame();
    EXPECT_EQ(panel.selectedUser(), "alice");
    EXPECT_EQ(panel.selectedMailbox(), "INBOX");
    // Marked, still on the server, and highlighted: DELE changed nothing in the store, but this step marked
    // it.
    EXPECT_TRUE(panel.markedForDeletion(1));
    EXPECT_FALSE(panel.markedForDeletion(2));
    EXPECT_NE(player.simulation()->store().mailbox("alice", "INBOX")->find(1), nullptr);
    EXPECT_TRUE(panel.highlighted(1));
    EXPECT_FALSE(panel.highlighted(2));

    ASSERT_TRUE(stepPast(player, "DELE 2"));
    gui.frame();
    EXPECT_TRUE(panel.markedForDeletion(1));
    EXPECT_TRUE(panel.markedForDeletion(2));
    EXPECT_FALSE(panel.highlighted(1)) << "marked in an earlier step";
    EXPECT_TRUE(panel.highlighted(2));

    ASSERT_TRUE(stepPast(player, "QUIT"));
    gui.frame();
    const store::Mailbox* inbox = player.simulation()->store().mailbox("alice", "INBOX");
    EXPECT_EQ(inbox->find(1), nullptr) << "UPDATE state: the marked messages are gone";
    EXPECT_FALSE(panel.markedForDeletion(1));
    EXPECT_FALSE(panel.markedForDeletion(2));
    EXPECT_TRUE(panel.highlighted(1)) << "expunged in this step";
}

TEST(MailboxPanel, ShowsWhoHoldsTheMaildropLockDuringTransaction_Rfc1939_4)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    gui::MailboxPanel& panel = mailboxPanel(gui);
    gui.frame();
    EXPECT_EQ(panel.lockHolder(), "");
    ASSERT_TRUE(stepPast(player, "PASS"));
    gui.frame();
    scenario::Device* laptop = player.simulation()->device("laptop");
    ASSERT_NE(laptop->session, nullptr);
    ASSERT_EQ(laptop->session->stateName(), "TRANSACTION");
    EXPECT_EQ(panel.lockHolder(), "laptop (session " + std::to_string(laptop->sessionId) + ")");
    ASSERT_TRUE(stepPast(player, "QUIT"));
    gui.frame();
    EXPECT_EQ(panel.lockHolder(), "");
}

TEST(MailboxPanel, HighlightsTheRowAStoreChanged_Rfc3501_6_4_6)
{
    GuiHarness gui(lesson("17-imap-two-devices.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    gui::MailboxPanel& panel = mailboxPanel(gui);
    ASSERT_TRUE(stepPast(player, "A7 UID STORE 2"));
    gui.frame();
    EXPECT_TRUE(panel.highlighted(2));
    EXPECT_FALSE(panel.highlighted(1));
    EXPECT_FALSE(panel.highlighted(3));
    // At the next step that leaves message 2 alone, the highlight goes.
    const std::tuple<std::string, std::string, uint32_t> two{"alice", "INBOX", 2};
    do
        ASSERT_TRUE(player.step());
    while (player.changes().messages.contains(two));
    gui.frame();
    EXPECT_FALSE(panel.highlighted(2));
}

TEST(MailboxPanel, ClickingAFolderShowsIt)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::MailboxPanel& panel = mailboxPanel(gui);
    ASSERT_TRUE(gui.click("Folder alice/Sent"));
    EXPECT_EQ(panel.selectedMailbox(), "Sent");
    ASSERT_TRUE(gui.click("Folder alice/INBOX"));
    EXPECT_EQ(panel.selectedMailbox(), "INBOX");
}

TEST(MailboxPanel, ATenThousandMessageFolderSummarizesOnlyTheRowsItDraws)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    store::Store store;
    store.addAccount("alice", "wonderland");
    const std::string body = "\r\nHello.\r\n";
    for (int i = 0; i < 10000; ++i)
        store.deliver("alice", "INBOX",
                      "From: Sender " + std::to_string(i) + " <s@example.org>\r\nSubject: Message " +
                          std::to_string(i) + "\r\nDate: Thu, 26 Nov 2026 09:00:00 +0000\r\n" + body,
                      mail::DateTime{1795683600, 0});
    wire::Transcript transcript;
    gui.dashboard().watchServer(store, transcript, nullptr);
    gui.frame();
    gui.frame();
    gui::MailboxPanel& panel = mailboxPanel(gui);
    EXPECT_EQ(panel.selectedUser(), "alice");
    EXPECT_EQ(panel.selectedMailbox(), "INBOX");
    const size_t made = panel.summariesMade();
    EXPECT_GT(made, 5u);
    EXPECT_LT(made, 100u) << "only the visible rows are summarized";
    for (int i = 0; i < 10; ++i)
        gui.frame();
    EXPECT_EQ(panel.summariesMade(), made) << "and each only once";
}

} // namespace
} // namespace maillab::test
