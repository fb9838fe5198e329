#include "common/random.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tocsin {
namespace {

TEST(Random, UuidV7CarriesTheTimeAndSortsByIt) {
  const std::int64_t ms = 1714557600123;  // 2024-05-01T10:00:00.123Z = 0x018f3398c17b
  std::string id = NewUuidV7(ms);
  ASSERT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id.substr(0, 13), "018f3398-c17b");
  EXPECT_EQ(id[14], '7');                                          // version
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // RFC variant
  std::set<std::string> seen;
  std::string previous;
  for (std::int64_t k = 0; k < 1000; ++k) {
    std::string next = NewUuidV7(ms + k);
    EXPECT_TRUE(seen.insert(next).second) << "duplicate " << next;
    if (!previous.empty()) {
      EXPECT_LT(previous, next);  // a later millisecond sorts later
    }
    previous = next;
  }
  // Within one millisecond the random bits still make ids distinct.
  EXPECT_NE(NewUuidV7(ms), NewUuidV7(ms));
}

TEST(Random, Sha256HexMatchesTheStandardVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The per-thread context is reused: a second digest is not polluted by the first.
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(std::string(1000, 'a')).size(), 64u);
}

}  // namespace
}  // namespace tocsin
