// QUOTA (RFC 9208) in the IMAP session: GETQUOTA, GETQUOTAROOT and SETQUOTA, the STORAGE and MESSAGE
// resources, OVERQUOTA on APPEND and COPY, STATUS DELETED and DELETED-STORAGE, and the error cases.
#include "imap_test_client.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace maillab::test {
namespace {

// frank may keep 3 messages in 2 KiB; INBOX holds two of 700 octets (one \Deleted). gina has no limits.
struct QuotaWorld {
    wire::VirtualClock clock;
    store::Store store{100};
    const std::string message = "Subject: q\r\n\r\n" + std::string(684, 'x') + "\r\n"; // 700 octets
    QuotaWorld()
    {
        store::Account& frank = store.addAccount("frank", "pw");
        frank.quota.storageKiB = 2;
        frank.quota.messages = 3;
        store.createMailbox("frank", "Archive");
        store.deliver("frank", "INBOX", message, mail::DateTime{clock.nowSeconds(), 0}, 0);
        store.deliver("frank", "INBOX", message, mail::DateTime{clock.nowSeconds(), 0}, store::kDeleted);
        store.addAccount("gina", "pw");
    }
};

struct Client : ImapTestClient {
    Client(QuotaWorld& world, const std::string& user, imap::SessionOptions options = {})
        : ImapTestClient(world.store, world.clock, user, 1, std::move(options))
    {
    }
};

TEST(ImapQuota, AdvertisedWithItsResourcesAndSwitchedOffTogether_Rfc9208_3_1)
{
    QuotaWorld w;
    EXPECT_NE(Client(w, "frank").greeting().find(" QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE"),
              std::string::npos);
    imap::SessionOptions off;
    off.capabilitiesOff = {"QUOTA"};
    Client c(w, "frank", off);
    EXPECT_EQ(c.greeting().find("QUOTA"), std::string::npos);
    EXPECT_EQ(c.send("q GETQUOTAROOT INBOX").rfind("q BAD ", 0), 0u);
    EXPECT_EQ(c.send("s STATUS INBOX (DELETED)"), "s BAD unknown status item DELETED\r\n");
}

TEST(ImapQuota, GetQuotaRootNamesTheAccountsRootAndItsUsage_Rfc9208_4_1_2)
{
    QuotaWorld w;
    Client c(w, "frank");
    // 1400 octets are 2 units of 1024 (section 5.1: a part of a unit counts).
    EXPECT_EQ(c.send("q GETQUOTAROOT Archive"), "* QUOTAROOT Archive \"\"\r\n"
                                                "* QUOTA \"\" (STORAGE 2 2 MESSAGE 2 3)\r\n"
                                                "q OK GETQUOTAROOT completed\r\n");
    EXPECT_EQ(c.send("r GETQUOTAROOT Nowhere"), "r NO [NONEXISTENT] no mailbox named Nowhere\r\n");
    // Without limits there is no root (section 4.1.2).
    Client g(w, "gina");
    EXPECT_EQ(g.send("q GETQUOTAROOT INBOX"), "* QUOTAROOT INBOX\r\nq OK GETQUOTAROOT completed\r\n");
    EXPECT_EQ(g.send("r GETQUOTA \"\"").rfind("r NO [NONEXISTENT]", 0), 0u);
}

TEST(ImapQuota, GetQuotaAnswersForTheRootAndNoForOthers_Rfc9208_4_1_1)
{
    QuotaWorld w;
    Client c(w, "frank");
    EXPECT_EQ(c.send("q GETQUOTA \"\""),
              "* QUOTA \"\" (STORAGE 2 2 MESSAGE 2 3)\r\nq OK GETQUOTA completed\r\n");
    EXPECT_EQ(c.send("r GETQUOTA user.frank"), "r NO [NONEXISTENT] no quota root named \"user.frank\"\r\n");
    EXPECT_EQ(c.send("s GETQUOTA").rfind("s BAD ", 0), 0u);
}

TEST(ImapQuota, SetQuotaIsRefusedAndChangesNothing_Rfc9208_4_1_3)
{
    QuotaWorld w;
    Client c(w, "frank");
    EXPECT_EQ(c.send("q SETQUOTA \"\" (STORAGE 512 MESSAGE 100)").rfind("q NO [NOPERM] ", 0), 0u);
    EXPECT_EQ(*w.store.account("frank")->quota.storageKiB, 2u);
    EXPECT_EQ(c.send("r SETQUOTA \"\" STORAGE 512").rfind("r BAD ", 0), 0u);
    EXPECT_EQ(c.send("s SETQUOTA \"\" (STORAGE)").rfind("s BAD ", 0), 0u);
}

TEST(ImapQuota, AppendPastALimitIsOverQuotaAndStoresNothing_Rfc9208_4_3_1)
{
    QuotaWorld w;
    Client c(w, "frank");
    // 2100 octets would pass 2 KiB.
    EXPECT_EQ(c.append("Archive", w.message).rfind("a NO [OVERQUOTA] ", 0), 0u);
    EXPECT_TRUE(w.store.mailbox("frank", "Archive")->messages.empty());
    // A small one fits in both limits; then the MESSAGE limit (3) is reached.
    EXPECT_NE(c.append("Archive", "Subject: s\r\n\r\nhi\r\n").find("a OK [APPENDUID "), std::string::npos);
    std::string refused = c.append("Archive", "Subject: t\r\n\r\nhi\r\n");
    EXPECT_EQ(refused.rfind("a NO [OVERQUOTA] that would make 4 messages", 0), 0u) << refused;
}

TEST(ImapQuota, CopyPastALimitIsOverQuotaButMoveAddsNothing_Rfc9208_4_3_1)
{
    QuotaWorld w;
    Client c(w, "frank");
    EXPECT_NE(c.send("s SELECT INBOX").find("s OK "), std::string::npos);
    EXPECT_EQ(c.send("c COPY 1 Archive").rfind("c NO [OVERQUOTA] ", 0), 0u);
    EXPECT_TRUE(w.store.mailbox("frank", "Archive")->messages.empty());
    EXPECT_NE(c.send("m MOVE 1:2 Archive").find("m OK "), std::string::npos);
    EXPECT_EQ(w.store.mailbox("frank", "Archive")->messages.size(), 2u);
}

TEST(ImapQuota, StatusCountsDeletedMessagesAndTheirStorage_Rfc9208_4_1_4)
{
    QuotaWorld w;
    Client c(w, "frank");
    EXPECT_EQ(c.send("s STATUS INBOX (MESSAGES DELETED DELETED-STORAGE)"),
              "* STATUS INBOX (MESSAGES 2 DELETED 1 DELETED-STORAGE 1)\r\ns OK STATUS completed\r\n");
}

TEST(ImapQuota, TheDashboardExplainsQuotaLinesAndOverQuota_Rfc9208_4_2)
{
    auto quota = imap::explainReplyLine("* QUOTA \"\" (STORAGE 2 2)\r\n", 0);
    ASSERT_TRUE(quota.has_value());
    EXPECT_EQ(quota->rfc, "RFC 9208 section 4.2.1");
    auto root = imap::explainReplyLine("* QUOTAROOT INBOX \"\"\r\n", 0);
    ASSERT_TRUE(root.has_value());
    EXPECT_EQ(root->rfc, "RFC 9208 section 4.2.2");
    auto refused = imap::explainReplyLine("a NO [OVERQUOTA] that would need 3 KiB\r\n", 0);
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->text.find("quota would be passed"), std::string::npos) << refused->text;
}

} // namespace
} // namespace maillab::test
