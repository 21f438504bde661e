// SASL PLAIN (RFC 4616) as the servers decode it: the strict base64 of RFC 4648 section 4 that RFC 5034
// section 4 and RFC 3501 section 6.2.2 ask for, the three NUL-separated fields, and one list of bad
// responses that the POP3 and the IMAP session must both refuse, through the continuation and as an
// initial response (RFC 5034 section 4, RFC 4959 SASL-IR), and then carry on.
#include "imap/imap_session.hpp"
#include "pop3/pop3_session.hpp"
#include "test_support.hpp"
#include "util/sasl.hpp"
#include "util/text.hpp"

#include <gtest/gtest.h>
#include <string>
#include <variant>
#include <vector>

namespace maillab::test {
namespace {

using namespace std::string_literals;

std::string plain(const std::string& authzid, const std::string& authcid, const std::string& passwd)
{
    return util::base64Encode(authzid + '\0' + authcid + '\0' + passwd);
}

// [SECTION] the decoder

TEST(SaslPlain, DecodesTheThreeFields_Rfc4616_2)
{
    auto decoded = util::decodeSaslPlain(plain("", "alice", "wonderland"));
    ASSERT_TRUE(std::holds_alternative<util::SaslPlain>(decoded));
    EXPECT_EQ(std::get<util::SaslPlain>(decoded).authzid, "");
    EXPECT_EQ(std::get<util::SaslPlain>(decoded).authcid, "alice");
    EXPECT_EQ(std::get<util::SaslPlain>(decoded).passwd, "wonderland");

    decoded = util::decodeSaslPlain(plain("bob", "alice", "open sesame"));
    ASSERT_TRUE(std::holds_alternative<util::SaslPlain>(decoded));
    EXPECT_EQ(std::get<util::SaslPlain>(decoded).authzid, "bob");
    EXPECT_EQ(std::get<util::SaslPlain>(decoded).passwd, "open sesame");

    // UTF-8 text, and fields of exactly 255 octets, which servers MUST accept.
    decoded =
        util::decodeSaslPlain(plain(std::string(255, 'z'), std::string(255, 'u'), "gr\xC3\xBC\xC3\x9F"));
    ASSERT_TRUE(std::holds_alternative<util::SaslPlain>(decoded));
    EXPECT_EQ(std::get<util::SaslPlain>(decoded).authcid.size(), 255u);
    EXPECT_EQ(std::get<util::SaslPlain>(decoded).passwd, "gr\xC3\xBC\xC3\x9F");
}

TEST(SaslPlain, NamesWhatIsWrong_Rfc4616_2)
{
    auto error = [](const std::string& base64) {
        auto decoded = util::decodeSaslPlain(base64);
        return std::holds_alternative<util::SaslPlainError>(decoded) ? std::get<util::SaslPlainError>(decoded)
                                                                     : static_cast<util::SaslPlainError>(-1);
    };
    using E = util::SaslPlainError;
    EXPECT_EQ(error("AGFsaWNl AHdvbmRlcmxhbmQ="), E::NotBase64);
    EXPECT_EQ(error(""), E::NotThreeFields);
    EXPECT_EQ(error(util::base64Encode("alice\0wonderland"s)), E::NotThreeFields);
    EXPECT_EQ(error(util::base64Encode("\0alice\0wonder\0land"s)), E::NotThreeFields);
    EXPECT_EQ(error(plain("", "", "wonderland")), E::EmptyUser);
    EXPECT_EQ(error(plain("", "alice", "")), E::EmptyPassword);
    EXPECT_EQ(error(plain(std::string(256, 'z'), "alice", "wonderland")), E::TooLong);
    EXPECT_EQ(error(plain("", std::string(256, 'u'), "wonderland")), E::TooLong);
    EXPECT_EQ(error(plain("", "alice", std::string(256, 'p'))), E::TooLong);
    EXPECT_EQ(error(plain("", "alice", "wonder\xFF")), E::NotUtf8);
    EXPECT_EQ(error(plain("", "alice", "\xC0\xAF")), E::NotUtf8);     // an overlong "/"
    EXPECT_EQ(error(plain("", "alice", "\xED\xA0\x80")), E::NotUtf8); // a surrogate
}

TEST(SaslPlain, StrictBase64RoundTripsAndRefusesEverythingElse_Rfc4648_4)
{
    std::string bytes;
    for (int n = 0; n < 64; ++n) {
        SCOPED_TRACE(n);
        EXPECT_EQ(util::decodeStrictBase64(util::base64Encode(bytes)), bytes);
        bytes += static_cast<char>(n * 37 + 200);
    }
    for (const char* bad : {"A", "AB", "ABC", "A===", "====", "AB=C", "=ABC", "AB==AB==", "AAA=BBBB",
                            "AB\r\n", " ABC", "ABC ", "AB\tC", "AB-_", "AB.C", "ABC\x80"}) {
        SCOPED_TRACE(bad);
        EXPECT_FALSE(util::isStrictBase64(bad));
    }
    // Non-zero bits under the padding would give a second spelling of the same octets (RFC 4648 3.5).
    EXPECT_TRUE(util::isStrictBase64("QQ=="));
    EXPECT_FALSE(util::isStrictBase64("QR=="));
    EXPECT_TRUE(util::isStrictBase64("QUI="));
    EXPECT_FALSE(util::isStrictBase64("QUJ="));
}

// [SECTION] the same bad responses to both protocols

// Responses a server must refuse, each of which a lenient decoder could have turned into alice's login.
const std::vector<std::pair<std::string, std::string>>& badResponses()
{
    static const std::vector<std::pair<std::string, std::string>> list = {
        {"space inside", "AGFsaWNl AHdvbmRlcmxhbmQ="},
        {"leading space", " AGFsaWNlAHdvbmRlcmxhbmQ="},
        {"trailing space", "AGFsaWNlAHdvbmRlcmxhbmQ= "},
        {"tab inside", "AGFsaWNlAHdv\tbmRlcmxhbmQ="},
        {"padding missing", "AGFsaWNlAHdvbmRlcmxhbmQ"},
        {"padding doubled", "AGFsaWNlAHdvbmRlcmxhbmQ=="},
        {"padding inside", "AGFsaWNl=AHdvbmRlcmxhbmQ"},
        {"padding bits set", "AGFsaWNlAHdvbmRlcmxhbmR="},
        {"only padding", "===="},
        {"illegal character", "AGFsaWNl*HdvbmRlcmxhbmQ="},
        {"base64url alphabet", "AGFsaWNl-Hdv_mRlcmxhbmQ="},
        {"non-ASCII octet", "AGFsaWNl\xC3\xA9HdvbmRlcmxhbmQ="},
        {"empty response", ""},
        {"no NUL", util::base64Encode("alicewonderland")},
        {"one NUL", util::base64Encode("alice\0wonderland"s)},
        {"three NULs", util::base64Encode("\0alice\0wonderland\0"s)},
        {"empty user", plain("", "", "wonderland")},
        {"empty password", plain("", "alice", "")},
        {"oversize authzid", plain(std::string(256, 'a'), "alice", "wonderland")},
        {"oversize user", plain("", std::string(256, 'a'), "wonderland")},
        {"oversize password", plain("", "alice", std::string(256, 'w'))},
        {"not UTF-8", plain("", "alice", "wonderland\xFF")},
    };
    return list;
}

TEST(SaslPlain, Pop3AndImapRefuseTheSameBadResponses_Rfc4616_2_Rfc5034_4_Rfc3501_6_2_2)
{
    const std::string good = plain("", "alice", "wonderland");
    for (const auto& [what, response] : badResponses()) {
        SCOPED_TRACE(what);
        // "=" stands for an empty initial response (RFC 5034 section 4, RFC 4959 section 3).
        const std::string initial = response.empty() ? "=" : response;
        {
            DemoWorld w;
            pop3::Pop3Session s(w.store, w.clock, 1);
            s.greeting();
            EXPECT_EQ(s.receive("AUTH PLAIN " + initial + "\r\n").substr(0, 5), "-ERR ");
            EXPECT_EQ(s.receive("AUTH PLAIN\r\n"), "+ \r\n");
            EXPECT_EQ(s.receive(response + "\r\n").substr(0, 5), "-ERR ");
            EXPECT_EQ(s.state(), pop3::State::Authorization);
            EXPECT_EQ(w.store.account("alice")->pop3LockHolder, 0);
            // The session goes on: the next line is a command, and a good login still works.
            EXPECT_EQ(s.receive("AUTH PLAIN " + good + "\r\n").substr(0, 4), "+OK ");
            EXPECT_EQ(s.state(), pop3::State::Transaction);
        }
        {
            DemoWorld w;
            imap::ImapSession s(w.store, w.clock, 1);
            s.greeting();
            auto refused = [](const std::string& reply, const std::string& tag) {
                return reply.ends_with("\r\n") && reply.find("\r\n") == reply.size() - 2 &&
                       (reply.starts_with(tag + " NO ") || reply.starts_with(tag + " BAD "));
            };
            const std::string first = s.receive("a1 AUTHENTICATE PLAIN " + initial + "\r\n");
            EXPECT_TRUE(refused(first, "a1")) << first;
            EXPECT_EQ(s.receive("a2 AUTHENTICATE PLAIN\r\n"), "+ \r\n");
            const std::string second = s.receive(response + "\r\n");
            EXPECT_TRUE(refused(second, "a2")) << second;
            EXPECT_EQ(s.state(), imap::State::NotAuthenticated);
            EXPECT_EQ(s.receive("a3 NOOP\r\n"), "a3 OK NOOP completed\r\n");
            EXPECT_TRUE(s.receive("a4 AUTHENTICATE PLAIN " + good + "\r\n").starts_with("a4 OK "));
            EXPECT_EQ(s.state(), imap::State::Authenticated);
        }
    }
}

TEST(SaslPlain, Pop3AndImapSayTheSameAboutContent_Rfc4616_2)
{
    // Well-formed base64 with a bad message: both servers give the same reason, POP3 with [AUTH]
    // (RFC 3206 section 4), IMAP with [AUTHENTICATIONFAILED] (RFC 5530 section 3).
    DemoWorld w;
    pop3::Pop3Session pop(w.store, w.clock, 1);
    imap::ImapSession imap(w.store, w.clock, 2);
    pop.greeting();
    imap.greeting();
    EXPECT_EQ(pop.receive("AUTH PLAIN " + plain("", "", "wonderland") + "\r\n"),
              "-ERR [AUTH] the PLAIN response has an empty user name (RFC 4616 section 2)\r\n");
    EXPECT_EQ(
        imap.receive("a1 AUTHENTICATE PLAIN " + plain("", "", "wonderland") + "\r\n"),
        "a1 NO [AUTHENTICATIONFAILED] the PLAIN response has an empty user name (RFC 4616 section 2)\r\n");
    // Not base64 at all: POP3 has only -ERR; IMAP answers BAD, as for any malformed argument.
    EXPECT_EQ(pop.receive("AUTH PLAIN\r\nAGFsaWNl AHdvbmRlcmxhbmQ=\r\n"),
              "+ \r\n-ERR [AUTH] the PLAIN response is not valid base64\r\n");
    EXPECT_EQ(imap.receive("a2 AUTHENTICATE PLAIN\r\nAGFsaWNl AHdvbmRlcmxhbmQ=\r\n"),
              "+ \r\na2 BAD the PLAIN response is not valid base64\r\n");
}

} // namespace
} // namespace maillab::test
