// What every dashboard panel shares: the thing being watched (a lesson's simulation or a live server),
// fonts and colours, and the changes of the last step. Panels draw sim/ objects; they hold no protocol logic.
#pragma once

#include "scenario/simulation.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"
#include "wire/session.hpp"
#include "wire/transcript.hpp"

#include <imgui.h>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace maillab::gui {

class LessonPlayer;

struct Fonts {
    ImFont* ui = nullptr;      // proportional, for labels and narration
    ImFont* mono = nullptr;    // the wire: every byte lines up
    ImFont* heading = nullptr; // lesson titles
};

// Colours that carry meaning; they follow the theme.
struct Palette {
    ImVec4 client;    // what a device sent
    ImVec4 server;    // what the server sent
    ImVec4 note;      // the simulator's own remarks
    ImVec4 tls;       // ciphertext and handshakes
    ImVec4 good;      // +OK / OK, checks that hold
    ImVec4 bad;       // -ERR / NO / BAD, checks that fail
    ImVec4 changed;   // rows that changed in the last step
    ImVec4 deleted;   // POP3 messages marked for deletion
    ImVec4 dim;       // secondary text
    ImVec4 stateLit;  // the current state in a state diagram
    ImVec4 stateIdle; // the other states
};

// The three ways the dashboard is used: a student at a desk (the scene, the lesson and its questions, the
// transcript), an instructor at a projector (the scene large, the narration and the question), and someone
// studying the protocols (every panel).
enum class Layout { Student, Presenter, Analyst };

// One open connection's server side, for the state diagram.
struct SessionView {
    int id = 0;
    std::string device;
    wire::Protocol protocol = wire::Protocol::Pop3;
    const wire::ServerSession* session = nullptr;
};

// What changed in the server's store during the last step, so panels can highlight it.
struct StepChanges {
    int step = 0;
    std::set<std::tuple<std::string, std::string, uint32_t>> messages; // user, mailbox, uid
    std::set<std::pair<std::string, std::string>> mailboxes;           // user, mailbox
    std::set<std::string> accounts;                                    // lock changes
};

// The world the panels draw. In a lesson everything is there; in live mode (serve --gui) there are no
// simulated devices, only the server, its store and the sessions of real clients.
struct Context {
    Fonts fonts;
    Palette palette;
    bool presenter = false; // large fonts: the presenter layout
    Layout layout = Layout::Analyst;
    LessonPlayer* player = nullptr; // null in live mode
    const wire::Transcript* transcript = nullptr;
    store::Store* store = nullptr;
    std::vector<scenario::Device*> devices; // simulated devices, empty in live mode
    std::vector<SessionView> sessions;      // open connections
    const StepChanges* changes = nullptr;
    // A transcript entry to bring into view and mark (the reply that proves a question's answer); the
    // transcript panel takes it (and sets it back to SIZE_MAX).
    size_t showEntry = SIZE_MAX;
    // The device (or live client) that acted in the last step: panels show its account, folder and session,
    // and highlight it. Empty when the server acted alone or nothing happened yet.
    std::string actor;
    // Screenshots: draw every animation at this fraction of its course (0.5: the envelope mid-wire); < 0:
    // play them with the frame time.
    double animationAt = -1;
};

// Day 1 of the clock every panel shows (wire::clockText): a lesson's virtual start; in live mode, the day
// of the oldest line the transcript kept.
inline int64_t clockOrigin(const Context& c)
{
    if (c.player || !c.transcript || c.transcript->entries().empty())
        return wire::VirtualClock::kDefaultStartMs;
    return c.transcript->entries().front().timeMs;
}

// A dockable window of the dashboard. id() names it on the command line (screenshot --panel ID).
class Panel {
public:
    virtual ~Panel() = default;
    virtual const char* id() const = 0;
    virtual const char* title() const = 0;
    // Where it goes on first start, as fractions of the screen: x, y, width, height.
    virtual ImVec4 defaultRect() const = 0;
    virtual void draw(Context& context) = 0;
    bool open = true;
};

} // namespace maillab::gui
