#include "text_fit.hpp"

#include "ui_probe.hpp"

#include <algorithm>

namespace maillab::gui {
namespace {

constexpr std::string_view kGap = " \xe2\x80\xa6 "; // " … "

float widthOf(std::string_view text)
{
    return ImGui::CalcTextSize(text.data(), text.data() + text.size()).x;
}

bool continuationByte(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The longest start of text that fits width, cut between UTF-8 sequences.
size_t headThatFits(std::string_view text, float width)
{
    size_t low = 0, high = text.size();
    while (low < high) {
        size_t mid = (low + high + 1) / 2;
        if (widthOf(text.substr(0, mid)) <= width)
            low = mid;
        else
            high = mid - 1;
    }
    while (low > 0 && low < text.size() && continuationByte(text[low]))
        --low;
    return low;
}

// Where the shortest end of text that fits width begins, moved on to a word's start when there is one.
size_t tailThatFits(std::string_view text, float width)
{
    size_t low = 0, high = text.size();
    while (low < high) {
        size_t mid = (low + high) / 2;
        if (widthOf(text.substr(mid)) <= width)
            high = mid;
        else
            low = mid + 1;
    }
    while (low < text.size() && continuationByte(text[low]))
        ++low;
    if (low > 0 && low < text.size() && text[low - 1] != ' ') {
        size_t space = text.find(' ', low);
        if (space != std::string_view::npos && space + 1 < text.size()) low = space + 1;
    }
    return low;
}

// A better start for the end than `tail`, if one fits in `room`: the whole parenthesis a reply ends with
// ("(3 deleted, 0 left)"), or the start of the word `tail` cuts into.
size_t wholeEnd(std::string_view text, size_t tail, float room)
{
    const size_t open = text.rfind('(');
    if (open != std::string_view::npos && open < tail && text.back() == ')' &&
        widthOf(text.substr(open)) <= room)
        return open;
    if (tail > 0 && tail < text.size() && text[tail - 1] != ' ') {
        const size_t space = text.rfind(' ', tail);
        if (space != std::string_view::npos && widthOf(text.substr(space + 1)) <= room) return space + 1;
    }
    return tail;
}

} // namespace

size_t Fitted::shownAt(size_t at) const
{
    if (!elided || at <= headBytes) return at;
    if (at >= tailBegin) return at - tailBegin + headBytes + kGap.size();
    return std::string_view::npos;
}

Fitted elideMiddle(std::string_view text, float width, float tailShare, float headShare)
{
    if (widthOf(text) <= width) return {std::string(text), text.size(), text.size(), false};
    const float room = width - widthOf(kGap);
    // The end may take more than its share to stay whole, as long as a few letters of the start remain.
    const float keepHead =
        std::max(widthOf(text.substr(0, std::min<size_t>(text.size(), 4))), room * headShare);
    size_t tail = wholeEnd(text, tailThatFits(text, room * tailShare), room - keepHead);
    size_t head = headThatFits(text, room - widthOf(text.substr(tail)));
    while (head > 0 && text[head - 1] == ' ')
        --head;
    Fitted fitted;
    fitted.text = std::string(text.substr(0, head)) + std::string(kGap) + std::string(text.substr(tail));
    fitted.headBytes = head;
    fitted.tailBegin = tail;
    fitted.elided = true;
    return fitted;
}

bool fittedText(std::string_view text, ImVec4 colour, float width)
{
    if (width <= 0.0f) width = ImGui::GetContentRegionAvail().x;
    Fitted fitted = elideMiddle(text, width);
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextUnformatted(fitted.text.c_str(), fitted.text.c_str() + fitted.text.size());
    ImGui::PopStyleColor();
    if (!fitted.elided) return false;
    probe::noteElided(std::string(text), false);
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
        ImGui::TextUnformatted(text.data(), text.data() + text.size());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
    return true;
}

void flow(float width)
{
    ImGui::SameLine();
    if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
}

float buttonWidth(const char* label)
{
    return ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2;
}

float checkboxWidth(const char* label)
{
    return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label).x;
}

} // namespace maillab::gui
