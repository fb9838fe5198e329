#include "common/base64.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tocsin {
namespace {

TEST(Base64, RoundTripsEveryPaddingLength) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)), s) << s;
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(*Base64Decode("YWxpY2U6c2VjcmV0"), "alice:secret");
}

TEST(Base64, RefusesWhatIsNotPaddedBase64) {
  EXPECT_FALSE(Base64Decode("Zm8"));      // length
  EXPECT_FALSE(Base64Decode("Zm8 "));     // blank
  EXPECT_FALSE(Base64Decode("Z=8="));     // padding inside
  EXPECT_FALSE(Base64Decode("Zm-_"));     // the URL alphabet
  EXPECT_FALSE(Base64Decode("Z==="));     // three pads
}

}  // namespace
}  // namespace tocsin
