#include "ingest/json_util.hpp"

#include <gtest/gtest.h>


namespace tocsin::ingest {
namespace {

// The URL must start within a short window after the word; the search for it
// must look only in that window. Scanning to the end of the message for every
// "runbook" made a message full of the word quadratic: 400 KB of
// "runbook h " took minutes.
TEST(FindRunbookUrl, LooksOnlyInTheWindowAfterTheWord) {
  std::string message;
  for (int k = 0; k < 40000; ++k) message += "runbook h ";
  message += std::string(100, '.') + " https://example.com/far-away";
  // (Before the fix this took over 30 s; how fast it is belongs in a
  // benchmark, not here. What it finds is the behaviour under test.)
  EXPECT_EQ(FindRunbookUrl(message), "");
}

TEST(FindRunbookUrl, WindowEdges) {
  // A URL starting right at the end of the window is found; one byte later is not.
  std::string gap(63, ' ');
  EXPECT_EQ(FindRunbookUrl("runbook" + gap + "https://example.com/a b"), "https://example.com/a");
  EXPECT_EQ(FindRunbookUrl("runbook " + gap + "https://example.com/a b"), "");
  // A URL that starts inside the window but ends beyond it is whole.
  std::string path(200, 'p');
  EXPECT_EQ(FindRunbookUrl("Runbook: https://example.com/" + path + "."), "https://example.com/" + path);
  // The second mention is used when the first has no URL after it.
  EXPECT_EQ(FindRunbookUrl("no runbook yet" + std::string(100, '.') + " runbook http://wiki/rb/1"),
            "http://wiki/rb/1");
  EXPECT_EQ(FindRunbookUrl("runbook https://"), "");
  EXPECT_EQ(FindRunbookUrl("runbook"), "");
  EXPECT_EQ(FindRunbookUrl(""), "");
}

}  // namespace
}  // namespace tocsin::ingest
