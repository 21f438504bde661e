#include "window.hpp"

#include "diagram_panels.hpp"
#include "transcript_panel.hpp"
#include "ui_probe.hpp"
#include "util/paths.hpp"
#include "util/text.hpp"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stb_image_write.h>
#include <vector>

namespace maillab::app {
namespace {

// GL entry points come from the driver through GLFW, so the program does not link libGL itself.
constexpr unsigned kGlRgba = 0x1908, kGlUnsignedByte = 0x1401, kGlBack = 0x0405, kGlPackAlignment = 0x0D05;
using ReadPixels = void (*)(int, int, int, int, unsigned, unsigned, void*);
using ReadBuffer = void (*)(unsigned);
using PixelStorei = void (*)(unsigned, int);
using Viewport = void (*)(int, int, int, int);
using ClearColor = void (*)(float, float, float, float);
using Clear = void (*)(unsigned);
constexpr unsigned kGlColorBufferBit = 0x00004000;

struct Window {
    GLFWwindow* handle = nullptr;
    bool imguiReady = false;

    bool open(int width, int height, bool visible, std::string& error, bool fitToScreen = false)
    {
        glfwSetErrorCallback([](int, const char*) {});
        if (!glfwInit()) {
            error = "no display to open a window on";
            return false;
        }
        // The window opens inside the screen's work area (without the task bar): a 1280x720 projector
        // must not get a window whose right half, with its panels, is off the screen.
        int areaX = 0, areaY = 0, areaWidth = 0, areaHeight = 0;
        if (GLFWmonitor* monitor = fitToScreen ? glfwGetPrimaryMonitor() : nullptr)
            glfwGetMonitorWorkarea(monitor, &areaX, &areaY, &areaWidth, &areaHeight);
        if (areaWidth > 0 && areaHeight > 0) {
            width = std::min(width, areaWidth);
            height = std::min(height, areaHeight);
        }
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
        glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
        handle = glfwCreateWindow(width, height, "maillab: POP3 and IMAP, byte by byte", nullptr, nullptr);
        if (!handle) {
            error = "could not create an OpenGL 3.3 window";
            glfwTerminate();
            return false;
        }
        if (areaWidth > 0 && areaHeight > 0)
            glfwSetWindowPos(handle, areaX + (areaWidth - width) / 2, areaY + (areaHeight - height) / 2);
        glfwMakeContextCurrent(handle);
        glfwSwapInterval(1);
        IMGUI_CHECKVERSION();
        ImGui::CreateContext();
        ImGui_ImplGlfw_InitForOpenGL(handle, true);
        ImGui_ImplOpenGL3_Init("#version 330 core");
        imguiReady = true;
        return true;
    }

    void render(gui::Dashboard& dashboard, double seconds)
    {
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        dashboard.frame(seconds);
        ImGui::Render();
        int width = 0, height = 0;
        glfwGetFramebufferSize(handle, &width, &height);
        reinterpret_cast<Viewport>(glfwGetProcAddress("glViewport"))(0, 0, width, height);
        ImVec4 background = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
        reinterpret_cast<ClearColor>(glfwGetProcAddress("glClearColor"))(
            background.x * 0.8f, background.y * 0.8f, background.z * 0.8f, 1.0f);
        reinterpret_cast<Clear>(glfwGetProcAddress("glClear"))(kGlColorBufferBit);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    }

    ~Window()
    {
        if (imguiReady) {
            ImGui_ImplOpenGL3_Shutdown();
            ImGui_ImplGlfw_Shutdown();
            ImGui::DestroyContext();
        }
        if (handle) {
            glfwDestroyWindow(handle);
            glfwTerminate();
        }
    }
};

} // namespace

int runDashboard(gui::DashboardOptions options, const std::function<void(gui::Dashboard&)>& setup,
                 const std::function<bool()>& keepRunning)
{
    Window window;
    std::string error;
    // imgui.ini and settings live in the user's config folder, not wherever maillab was started.
    std::filesystem::path config = util::configDir();
    // The size the user last gave the window, or the whole work area the first time.
    const std::filesystem::path sizeFile = config.empty() ? std::filesystem::path() : config / "window-size";
    int width = 0, height = 0;
    if (std::ifstream saved(sizeFile); saved && saved >> width >> height && width >= 320 && height >= 240) {
        if (!window.open(width, height, true, error, true)) return -1;
    } else {
        if (!window.open(1600, 900, true, error, true)) return -1;
        glfwMaximizeWindow(window.handle);
    }
    static std::string iniPath; // ImGui keeps the pointer
    if (!config.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(config, ec);
        iniPath = (config / "imgui.ini").string();
        ImGui::GetIO().IniFilename = iniPath.c_str();
    } else {
        ImGui::GetIO().IniFilename = nullptr;
    }
    gui::Dashboard dashboard(std::move(options));
    dashboard.loadFonts();
    dashboard.setPresenterKey(GLFW_KEY_F5);
    if (ImGui::GetIO().IniFilename) {
        dashboard.registerSettings();
        ImGui::LoadIniSettingsFromDisk(ImGui::GetIO().IniFilename);
    }
    if (setup) setup(dashboard);
    double last = glfwGetTime();
    while (!glfwWindowShouldClose(window.handle) && !dashboard.quitRequested() &&
           (!keepRunning || keepRunning())) {
        // Sleep until something happens, but wake for a running lesson or a live server.
        if (dashboard.player().running() || dashboard.player().playingLessonStep() || dashboard.liveMode())
            glfwWaitEventsTimeout(1.0 / 60);
        else
            glfwWaitEventsTimeout(0.25);
        double now = glfwGetTime();
        window.render(dashboard, now - last);
        last = now;
        glfwSwapBuffers(window.handle);
    }
    if (!sizeFile.empty()) {
        glfwGetWindowSize(window.handle, &width, &height);
        std::ofstream(sizeFile) << width << ' ' << height << '\n';
    }
    return 0;
}

int runScreenshot(const cli::Args& args)
{
    std::string lesson, out, panel, theme = "dark", comparison, layout = "student";
    int step = 0, width = 1600, height = 900, compareSteps = 0;
    bool presenter = false, eavesdropper = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string { return i + 1 < args.size() ? args[++i] : std::string(); };
        if (a == "--eavesdropper")
            eavesdropper = true;
        else if (a == "--lesson")
            lesson = value();
        else if (a == "--out")
            out = value();
        else if (a == "--panel")
            panel = value();
        else if (a == "--theme")
            theme = value();
        else if (a == "--presenter")
            presenter = true;
        else if (a == "--layout")
            layout = value();
        else if (a == "--comparison")
            comparison = value();
        else if (a == "--compare-steps") {
            auto n = util::parseNumber(value());
            if (!n) {
                std::cerr << "maillab screenshot: --compare-steps takes a number\n";
                return 2;
            }
            compareSteps = static_cast<int>(*n);
        } else if (a == "--step") {
            auto n = util::parseNumber(value());
            if (!n) {
                std::cerr << "maillab screenshot: --step takes a number\n";
                return 2;
            }
            step = static_cast<int>(*n);
        } else if (a == "--size") {
            std::string size = value();
            size_t x = size.find('x');
            auto w = util::parseNumber(size.substr(0, x)), h = util::parseNumber(size.substr(x + 1));
            if (x == std::string::npos || !w || !h || *w < 200 || *h < 150 || *w > 8192 || *h > 8192) {
                std::cerr << "maillab screenshot: --size takes WIDTHxHEIGHT, e.g. 1600x900\n";
                return 2;
            }
            width = static_cast<int>(*w);
            height = static_cast<int>(*h);
        } else {
            std::cerr << "maillab screenshot: unknown option " << a << "\n";
            return 2;
        }
    }
    if (out.empty()) {
        std::cerr << "usage: maillab screenshot [--lesson FILE] [--step N] --out FILE.png [--panel NAME]\n"
                     "                          [--size WxH] [--theme dark|light] [--presenter]\n"
                     "                          [--layout student|presenter|analyst]\n"
                     "                          [--comparison ID] [--compare-steps N] [--eavesdropper]\n";
        return 2;
    }
    gui::DashboardOptions options;
    options.lesson = lesson;
    options.onlyPanel = panel;
    options.presenter = presenter;
    if (std::optional<gui::Layout> chosen = gui::layoutFromName(layout)) {
        options.layout = *chosen;
        options.layoutGiven = true;
    } else {
        std::cerr << "maillab screenshot: --layout takes student, presenter or analyst\n";
        return 2;
    }
    // A still picture: what the last step sent is drawn halfway along its wire.
    options.animationAt = 0.5;
    options.theme = theme == "light" ? gui::Theme::Light : gui::Theme::Dark;
    // The dashboard needs no window to be built, so a wrong panel or lesson is reported before one is
    // opened: those errors do not depend on a display.
    gui::Dashboard dashboard(options);
    if (!panel.empty() && !dashboard.panel(panel)) {
        std::cerr << "maillab screenshot: no panel \"" << panel << "\"; panels:";
        for (const auto& p : dashboard.panels())
            std::cerr << " " << p->id();
        std::cerr << "\n";
        return 2;
    }
    if (!lesson.empty() && !dashboard.player().loadError().empty()) {
        std::cerr << "maillab screenshot: " << dashboard.player().loadError() << "\n";
        return 1;
    }
    Window window;
    std::string error;
    if (!window.open(width, height, false, error)) {
        std::cerr << "maillab screenshot: " << error << " (on a machine without one: xvfb-run -a maillab "
                  << "screenshot ...)\n";
        return 1;
    }
    ImGui::GetIO().IniFilename = nullptr; // a screenshot shows the default layout, whatever the user saved
    dashboard.loadFonts();
    dashboard.player().replayTo(step);
    if (auto* transcript = dynamic_cast<gui::TranscriptPanel*>(dashboard.panel("transcript"));
        eavesdropper && transcript)
        transcript->setView(gui::TranscriptPanel::View::Eavesdropper);
    // The compare panel plays its own comparison, not the lesson.
    if (gui::Panel* compare = dashboard.panel("compare")) {
        if (!comparison.empty() && !gui::chooseComparison(*compare, comparison)) {
            std::cerr << "maillab screenshot: no comparison \"" << comparison << "\"\n";
            return 2;
        }
        if (scenario::Comparison* lanes = gui::comparisonOf(*compare))
            for (int i = 0; i < compareSteps && lanes->step(); ++i) {}
    }
    int fbWidth = 0, fbHeight = 0;
    // A few frames: ImGui sizes windows and tables from what the frame before measured.
    for (int frame = 0; frame < 4; ++frame)
        window.render(dashboard, 1.0 / 60);
    glfwGetFramebufferSize(window.handle, &fbWidth, &fbHeight);
    std::vector<unsigned char> pixels(static_cast<size_t>(fbWidth) * static_cast<size_t>(fbHeight) * 4);
    reinterpret_cast<ReadBuffer>(glfwGetProcAddress("glReadBuffer"))(kGlBack);
    reinterpret_cast<PixelStorei>(glfwGetProcAddress("glPixelStorei"))(kGlPackAlignment, 1);
    reinterpret_cast<ReadPixels>(glfwGetProcAddress("glReadPixels"))(0, 0, fbWidth, fbHeight, kGlRgba,
                                                                     kGlUnsignedByte, pixels.data());
    for (size_t i = 3; i < pixels.size(); i += 4)
        pixels[i] = 255;
    // OpenGL's rows run bottom-up; PNG's top-down.
    stbi_flip_vertically_on_write(1);
    if (!stbi_write_png(out.c_str(), fbWidth, fbHeight, 4, pixels.data(), fbWidth * 4)) {
        std::cerr << "maillab screenshot: cannot write " << out << "\n";
        return 1;
    }
    std::cout << "wrote " << out << " (" << fbWidth << "x" << fbHeight << ", step "
              << dashboard.player().stepNumber() << ")\n";
    // The probe draws one more frame, never shown: its glyphs are rewritten to be measured.
    gui::probe::ClipReport clip;
    {
        gui::probe::ClipProbe probe;
        window.render(dashboard, 1.0 / 60);
        clip = probe.read();
    }
    std::cout << "clipped: " << clip.clipped.size() + clip.cutAtBottom.size() << "\n";
    for (const auto& item : clip.clipped)
        std::cout << "  " << item.window << ": " << item.text << "\n";
    for (const auto& item : clip.cutAtBottom)
        std::cout << "  " << item.window << ": " << item.text << " (cut at the panel's bottom)\n";
    int elided = 0;
    for (const auto& [window, count] : clip.elidedByWindow)
        elided += count;
    std::cout << "elided: " << elided << " (long lines that kept their start and end, whole on hover)\n";
    return 0;
}

} // namespace maillab::app

namespace maillab::app {

int runDashboardCommand(const cli::Args& args)
{
    gui::DashboardOptions options;
    options.layout = gui::Layout::Student;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--presenter")
            options.presenter = true;
        else if (args[i] == "--layout") {
            std::optional<gui::Layout> layout =
                i + 1 < args.size() ? gui::layoutFromName(args[++i]) : std::nullopt;
            if (!layout) {
                std::cerr << "maillab dashboard: --layout takes student, presenter or analyst\n";
                return 2;
            }
            options.layout = *layout;
            options.layoutGiven = true;
        } else if (args[i] == "--theme" && i + 1 < args.size()) {
            options.theme = args[++i] == "light" ? gui::Theme::Light : gui::Theme::Dark;
            options.themeGiven = true;
        } else if (!args[i].starts_with("--") && options.lesson.empty())
            options.lesson = args[i];
        else {
            std::cerr << "usage: maillab dashboard [FILE.json] [--layout student|presenter|analyst] [--theme "
                         "light]\n";
            return 2;
        }
    }
    int code = runDashboard(std::move(options));
    if (code < 0) std::cerr << "maillab dashboard: no display (try xvfb-run -a maillab screenshot ...)\n";
    return code < 0 ? 1 : code;
}

} // namespace maillab::app
