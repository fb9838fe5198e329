// Proves that what leaves through the real outbox fits each receiver's
// format, whatever the incident's text: long non-ASCII titles are cut on a
// character boundary within PagerDuty's and Slack's limits (and delivered
// once, not retried for a day), a long answer echoing the message is read
// whole (one Slack post, later updates threaded under it), an answer beyond
// the bound still counts as delivered, titles cannot mention @channel or
// disguise links in Slack, and email headers and bodies cannot be forged or
// cut short through the title or a status update.

#include <gtest/gtest.h>

#include <algorithm>

#include <map>
#include <sstream>

#include "blackbox/harness.hpp"
#include "blackbox/receiver.hpp"
#include "blackbox/smtp_receiver.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";
constexpr const char* kThreadTs = "1700000000.000100";
constexpr const char* kEllipsis = "\xE2\x80\xA6";

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int k = 0; k < n; ++k) out += s;
  return out;
}

// The message's lines, split at CRLF.
std::vector<std::string> Lines(const std::string& data) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < data.size();) {
    std::size_t end = data.find("\r\n", start);
    if (end == std::string::npos) end = data.size();
    out.push_back(data.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

struct Mail {
  std::vector<std::string> header_lines;  // as sent, folded lines separate
  std::map<std::string, std::string> headers;  // unfolded, by name
  std::string body;  // CRLF line ends
};

Mail ParseMail(const std::string& data) {
  Mail m;
  std::size_t blank = data.find("\r\n\r\n");
  std::string head = data.substr(0, blank);
  m.body = blank == std::string::npos ? "" : data.substr(blank + 4);
  std::string name;
  for (const auto& line : Lines(head)) {
    m.header_lines.push_back(line);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (!name.empty()) m.headers[name] += line;
      continue;
    }
    auto colon = line.find(':');
    name = line.substr(0, colon);
    m.headers[name] = colon == std::string::npos ? "" : line.substr(colon + 1 + (line.size() > colon + 1 && line[colon + 1] == ' '));
  }
  return m;
}

std::string DecodeBase64(const std::string& in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    auto v = kAlphabet.find(c);
    if (v == std::string::npos) continue;  // '=' padding
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// An unfolded unstructured header value with RFC 2047 B-encoded words
// decoded (whitespace between adjacent encoded words dropped, as RFC 2047
// section 6.2 says).
std::string DecodeHeader(const std::string& value) {
  std::string out;
  bool last_was_word = false;
  std::size_t pos = 0;
  while (pos < value.size()) {
    // "=?charset?B?text?="
    std::size_t start = value.find("=?", pos);
    std::size_t q1 = start == std::string::npos ? start : value.find('?', start + 2);
    std::size_t q2 = q1 == std::string::npos ? q1 : value.find('?', q1 + 1);
    std::size_t end = q2 == std::string::npos ? q2 : value.find("?=", q2 + 1);
    if (end == std::string::npos) {
      out += value.substr(pos);
      break;
    }
    std::string between = value.substr(pos, start - pos);
    if (!(last_was_word && between.find_first_not_of(" \t") == std::string::npos)) out += between;
    out += DecodeBase64(value.substr(q2 + 1, end - q2 - 1));
    last_was_word = true;
    pos = end + 2;
  }
  return out;
}

std::string DecodeQuotedPrintable(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
      i += 2;  // soft line break
    } else if (in[i] == '=' && i + 2 < in.size()) {
      out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

class DeliveryFormats : public ::testing::Test {
 protected:
  DeliveryFormats()
      : server(TestServerOptions{"sqlite", [this](core::Config& c) {
                                   c.server.public_url = "https://tocsin.example.com";
                                   for (auto& ch : c.channels) {
                                     if (ch.type == "slack") ch.settings["url"] = receiver.Url("/slack/" + ch.name);
                                     if (ch.type == "pagerduty") {
                                       ch.settings["url"] = receiver.Url("/pagerduty/" + ch.name);
                                       ch.settings["service"] = "not-paged-here";  // only what the rule sends
                                     }
                                     if (ch.type == "email") ch.settings["smtp_url"] = smtp.Url();
                                   }
                                   c.channels.push_back({"slack-bot", "slack_webapi",
                                                         {{"api_url", receiver.Url("/api")}, {"token", "xoxb-test-token"},
                                                          {"channel", "C0SECURITY"}}, {}});
                                   // Header values come from the configuration; a line break in one
                                   // must not add a header.
                                   c.channels.push_back({"webhook-formats", "webhook",
                                                         {{"url", receiver.Url("/hook")},
                                                          {"headers", "X-Team: security\r\nX-Evil: 1; X-Env: test"}}, {}});
                                   c.channels.push_back({"email-formats", "email",
                                                         {{"smtp_url", smtp.Url()}, {"from", "tocsin@v-commerce.example"},
                                                          {"to", "security@v-commerce.example"}}, {}});
                                   for (auto& u : c.users) u.contact_methods.clear();
                                   for (auto& r : c.rules) {
                                     if (r.severity == "SEV-1" && r.commander == "@security-oncall") {
                                       r.title = "{{title}}";  // the alert's own title
                                       r.notifications = {"slack-security-alerts", "pagerduty-security", "slack-bot",
                                                          "email-formats", "webhook-formats"};
                                     }
                                   }
                                 }}) {
    receiver.Respond([this](const http::Request& r) {
      if (r.path == "/api/chat.postMessage") {
        // Slack's chat.postMessage echoes the message it posted.
        json echo = json::parse(r.body, nullptr, false);
        json answer{{"ok", true}, {"channel", "C0SECURITY"}, {"ts", kThreadTs}, {"message", echo}};
        if (pad_answer) answer["padding"] = std::string(2 << 20, 'x');
        return http::Response::Json(200, answer.dump());
      }
      if (r.path.rfind("/pagerduty/", 0) == 0) {
        return http::Response::Json(202, R"({"status":"success","message":"Event processed"})");
      }
      http::Response res;
      res.content_type = "text/plain";
      res.body = "ok";
      return res;
    });
  }

  std::string OpenIncident(const std::string& title) {
    auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}, {"scope", "env:prod"}, {"title", title}});
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
  }
  void StatusUpdate(const std::string& id, const std::string& text) {
    ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                          {{"data", {{"type", "incident_timeline_cells"},
                                     {"attributes", {{"kind", "status_update"}, {"content", text}}}}}})
                  .status,
              201);
  }
  // Runs the outbox now and a few times over the next 30 s: a delivery
  // wrongly classified as a retry is sent again (the first retries come after
  // 1 s and 2 s), and no reminder is due yet (the earliest is at 5 min).
  void RunAndRetry() {
    server.app().RunWorkersOnce(server.clock().Now());
    for (int k = 0; k < 3; ++k) {
      server.clock().Advance(10s);
      server.app().RunWorkersOnce(server.clock().Now());
    }
  }
  std::vector<std::string> Bodies(const std::string& path) {
    std::vector<std::string> out;
    for (auto& r : receiver.received()) {
      if (r.path == path) out.push_back(r.body);
    }
    return out;
  }
  json Delivery(const std::string& channel, std::size_t index = 0) {
    auto list = ParseJson(server.Call("GET", "/api/v2/notifications?page[size]=100&filter[channel]=" + channel).body)["data"];
    // Newest first or oldest first: find by position of creation.
    std::vector<json> sorted(list.begin(), list.end());
    std::sort(sorted.begin(), sorted.end(), [](const json& a, const json& b) {
      return std::stoll(a["id"].get<std::string>()) < std::stoll(b["id"].get<std::string>());
    });
    return index < sorted.size() ? sorted[index]["attributes"] : json();
  }

  std::atomic<bool> pad_answer{false};
  RecordingReceiver receiver;
  SmtpReceiver smtp;
  TestServer server;
};

// Defect 1: the summary was cut at byte 1024 inside a character; serialising
// threw and the outbox retried it for 24 h, so the page never went out.
TEST_F(DeliveryFormats, PagerDutyGetsALongNonAsciiTitleOnceCutOnACharacterBoundary) {
  // "[SEV-1] x" then 2-byte characters: byte 1024 falls inside one.
  OpenIncident("x" + Repeat("\xD0\x96", 600));  // "Ж"
  RunAndRetry();
  auto pd = Bodies("/pagerduty/pagerduty-security");
  ASSERT_EQ(pd.size(), 1u);
  json body = ParseJson(pd[0]);  // throws on invalid UTF-8
  std::string summary = body["payload"]["summary"];
  EXPECT_LE(summary.size(), 1024u);
  EXPECT_TRUE(EndsWith(summary, kEllipsis)) << summary;
  EXPECT_TRUE(Contains(summary, "[SEV-1] x\xD0\x96\xD0\x96")) << summary;
  EXPECT_EQ(Delivery("pagerduty-security")["state"], "delivered");
  // Slack's texts are within its limits too, and delivered once.
  auto slack = Bodies("/slack/slack-security-alerts");
  ASSERT_EQ(slack.size(), 1u);
  json blocks = ParseJson(slack[0])["attachments"][0]["blocks"];
  for (const auto& b : blocks) {
    if (b.contains("text")) {
      EXPECT_LE(b["text"]["text"].get<std::string>().size(), 3000u);
    }
  }
}

// Defect 3: chat.postMessage echoes the message; the answer was cut at 4 KiB,
// did not parse, and the message was posted again and again, unthreaded.
TEST_F(DeliveryFormats, SlackWebApiEchoOfALongMessageIsReadWholeAndPostedOnce) {
  std::string id = OpenIncident(Repeat("\xD0\x96", 1500));
  RunAndRetry();
  auto posts = Bodies("/api/chat.postMessage");
  ASSERT_EQ(posts.size(), 1u);
  std::size_t echo_size = json{{"message", ParseJson(posts[0])}}.dump().size();
  EXPECT_GT(echo_size, 4096u);  // the echo is longer than 4 KiB
  EXPECT_EQ(Delivery("slack-bot")["state"], "delivered");
  StatusUpdate(id, "Blocked the source IPs");
  RunAndRetry();
  posts = Bodies("/api/chat.postMessage");
  ASSERT_EQ(posts.size(), 2u);
  json update = ParseJson(posts[1]);
  EXPECT_EQ(update.value("thread_ts", ""), kThreadTs) << update.dump();
}

// An answer beyond the bound is not read to its end, but Slack accepted the
// message (HTTP 200): it is delivered, never posted again.
TEST_F(DeliveryFormats, SlackWebApiAnswerBeyondTheBoundStillCountsAsDelivered) {
  pad_answer = true;
  OpenIncident("Short title");
  RunAndRetry();
  EXPECT_EQ(Bodies("/api/chat.postMessage").size(), 1u);
  auto d = Delivery("slack-bot");
  EXPECT_EQ(d["state"], "delivered") << d.dump();
}

// Item 9: a title could mention @channel or show a link that goes elsewhere.
TEST_F(DeliveryFormats, SlackTitlesCannotMentionEveryoneOrDisguiseLinks) {
  std::string title = "<!channel> see <http://evil.example|the runbook> & more";
  OpenIncident(title);
  RunAndRetry();
  for (const char* path : {"/slack/slack-security-alerts", "/api/chat.postMessage"}) {
    auto posts = Bodies(path);
    ASSERT_EQ(posts.size(), 1u) << path;
    json body = ParseJson(posts[0]);
    std::vector<std::string> texts = {body["text"], body["attachments"][0]["fallback"]};
    for (const auto& b : body["attachments"][0]["blocks"]) {
      if (b.contains("text")) texts.push_back(b["text"]["text"]);
    }
    for (const auto& t : texts) {
      EXPECT_FALSE(Contains(t, "<!channel>")) << path << ": " << t;
      EXPECT_FALSE(Contains(t, "<http://evil.example")) << path << ": " << t;
      EXPECT_FALSE(Contains(t, " & ")) << path << ": " << t;
    }
    EXPECT_TRUE(Contains(body["text"], "&lt;!channel&gt; see &lt;http://evil.example|the runbook&gt; &amp; more"))
        << body["text"];
  }
  // Other channels get the title as it is.
  auto pd = Bodies("/pagerduty/pagerduty-security");
  ASSERT_EQ(pd.size(), 1u);
  EXPECT_TRUE(Contains(ParseJson(pd[0])["payload"]["summary"], title));
}

// Defect 4: a title with CR/LF went raw into Subject: and forged headers.
TEST_F(DeliveryFormats, EmailSubjectCannotForgeHeadersAndDecodesBack) {
  std::string tail = Repeat("длинный заголовок ", 4) + "конец";
  OpenIncident("Ошибка\r\nBcc: victim@evil.example\r\nX-Injected: yes\x07" + tail);
  RunAndRetry();
  auto mail = smtp.messages();
  ASSERT_EQ(mail.size(), 1u);
  Mail m = ParseMail(mail[0].data);
  for (const auto& line : m.header_lines) {
    EXPECT_NE(line.rfind("Bcc:", 0), 0u) << line;
    EXPECT_NE(line.rfind("X-Injected:", 0), 0u) << line;
    EXPECT_LE(line.size(), 78u) << line;
    EXPECT_TRUE(std::all_of(line.begin(), line.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7F; }))
        << "not printable ASCII: " << line;
  }
  EXPECT_EQ(DecodeHeader(m.headers["Subject"]),
            "[SEV-1] Ошибка Bcc: victim@evil.example X-Injected: yes " + tail + " (IR-1)");
  EXPECT_EQ(m.headers["MIME-Version"], "1.0");
  EXPECT_EQ(m.headers["Date"], "Fri, 27 Nov 2026 10:00:00 +0000");
  EXPECT_EQ(m.headers["Content-Type"], "text/plain; charset=utf-8");
  EXPECT_EQ(m.headers["Content-Transfer-Encoding"], "8bit");
  EXPECT_EQ(Delivery("email-formats")["state"], "delivered");
}

// The same class of defect in HTTP: a line break in a configured header value
// (a webhook's `headers`) would add a header of its own.
TEST_F(DeliveryFormats, HeaderValuesCannotAddHeaders) {
  OpenIncident("Short title");
  RunAndRetry();
  std::vector<RecordingReceiver::Received> hooks;
  for (auto& r : receiver.received()) {
    if (r.path == "/hook") hooks.push_back(r);
  }
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0].headers.count("x-evil"), 0u);
  EXPECT_EQ(hooks[0].headers["x-team"], "security X-Evil: 1");
  EXPECT_EQ(hooks[0].headers["x-env"], "test");
}

// The title in Subject is cut at 250 bytes, on a character boundary.
TEST_F(DeliveryFormats, EmailSubjectOfALongTitleIsCutWithAMarker) {
  OpenIncident(Repeat("\xD0\x96", 300));
  RunAndRetry();
  auto mail = smtp.messages();
  ASSERT_EQ(mail.size(), 1u);
  Mail m = ParseMail(mail[0].data);
  EXPECT_EQ(DecodeHeader(m.headers["Subject"]), "[SEV-1] " + Repeat("\xD0\x96", 123) + kEllipsis + " (IR-1)");
}

// Defect 4: a bare "\n.\n" in a status update ended the DATA early (the rest
// read as SMTP commands); bare line ends and leading dots must survive.
TEST_F(DeliveryFormats, EmailBodyIsSafeForSmtp) {
  std::string id = OpenIncident("Short title");
  StatusUpdate(id, "before\n.\nafter the dot\n.leading dot\rbare CR\r\n..two dots");
  RunAndRetry();
  auto mail = smtp.messages();
  ASSERT_EQ(mail.size(), 2u);
  Mail m = ParseMail(mail[1].data);
  EXPECT_EQ(m.headers["Content-Transfer-Encoding"], "8bit");
  EXPECT_TRUE(Contains(m.body, "before\r\n.\r\nafter the dot\r\n.leading dot\r\nbare CR\r\n..two dots\r\n")) << m.body;
  EXPECT_EQ(Delivery("email-formats", 1)["state"], "delivered");
}

// Defect 4: lines over 998 octets break SMTP; they go quoted-printable.
TEST_F(DeliveryFormats, EmailBodyWithALongLineIsQuotedPrintable) {
  std::string id = OpenIncident("Short title");
  std::string line = Repeat("Журнал ", 200) + "end";  // 2,803 bytes
  StatusUpdate(id, line + "\n.\nnext");
  RunAndRetry();
  auto mail = smtp.messages();
  ASSERT_EQ(mail.size(), 2u);
  for (const auto& l : Lines(mail[1].data)) EXPECT_LE(l.size(), 998u);
  Mail m = ParseMail(mail[1].data);
  EXPECT_EQ(m.headers["Content-Transfer-Encoding"], "quoted-printable");
  EXPECT_TRUE(Contains(DecodeQuotedPrintable(m.body), line + "\r\n.\r\nnext")) << m.body;
}

}  // namespace
}  // namespace tocsin::testing
