// The table of shipped marking packs over the texts embedded at build time.
#include "config/marking_packs.h"

#include <array>
#include <utility>

namespace rcptguard {

// Defined in the generated embedded_data.cc (cmake/embed_data.cmake).
std::string_view EmbeddedPackUkGsc();
std::string_view EmbeddedPackUsClassification();
std::string_view EmbeddedPackAuPspf();
std::string_view EmbeddedPackRfc7444();
std::string_view EmbeddedPackMsip();

namespace {

using PackText = std::string_view (*)();
constexpr std::array<std::pair<std::string_view, PackText>, 5> kPacks = {{
    {"uk-gsc", EmbeddedPackUkGsc},
    {"us-classification", EmbeddedPackUsClassification},
    {"au-pspf", EmbeddedPackAuPspf},
    {"rfc7444", EmbeddedPackRfc7444},
    {"msip", EmbeddedPackMsip},
}};

}  // namespace

std::optional<std::string_view> EmbeddedMarkingPack(std::string_view name) {
  for (const auto& [pack, text] : kPacks) {
    if (pack == name) return text();
  }
  return std::nullopt;
}

std::string_view ShippedMarkingPackNames() {
  return "uk-gsc, us-classification, au-pspf, rfc7444, msip";
}

}  // namespace rcptguard
