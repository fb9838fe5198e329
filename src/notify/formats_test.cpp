// Each channel's request fits the receiver whatever the incident's text:
// length limits cut on a character boundary with a marker, Slack mrkdwn
// escaped, email headers encoded and bodies safe for SMTP; and answers of any
// shape are classified without throwing.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "notify/email/email.hpp"
#include "notify/notifier.hpp"
#include "notify/pagerduty/pagerduty.hpp"
#include "notify/slack/slack.hpp"
#include "notify/text.hpp"

namespace tocsin::notify {
namespace {

using nlohmann::json;
using Kind = core::AttemptOutcome::Kind;

constexpr const char* kEllipsis = "\xE2\x80\xA6";
constexpr const char* kZhe = "\xD0\x96";  // "Ж", 2 bytes

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int k = 0; k < n; ++k) out += s;
  return out;
}
// nlohmann refuses to dump (strict) or parse ill-formed UTF-8.
bool IsValidUtf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

core::Incident SampleIncident(const std::string& title) {
  core::Incident i;
  i.id = "0b9a3c1e-0000-4000-8000-000000000001";
  i.public_id = 7;
  i.title = title;
  i.severity = "SEV-1";
  i.created = *ParseRfc3339("2026-11-27T10:00:00Z");
  return i;
}

core::Delivery SampleDelivery(const std::string& kind) {
  core::Delivery d;
  d.id = 42;
  d.kind = kind;
  d.created = *ParseRfc3339("2026-11-27T10:00:00Z");
  return d;
}

HttpAnswer Answer(int status, std::string body) {
  HttpAnswer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

SendContext Context() {
  SendContext ctx;
  ctx.public_url = "https://tocsin.example.com";
  return ctx;
}

// ---- Text helpers ------------------------------------------------------

TEST(TextFormat, TruncateUtf8CutsOnACharacterBoundaryWithinTheLimit) {
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  EXPECT_EQ(TruncateUtf8("exactly10!", 10), "exactly10!");
  EXPECT_EQ(TruncateUtf8("0123456789abc", 10), std::string("0123456") + kEllipsis);
  // 2-, 3- and 4-byte characters, cut at every possible offset.
  for (const std::string& ch : {std::string(kZhe), std::string("\xE2\x82\xAC"), std::string("\xF0\x9F\x94\xA5")}) {
    std::string text = Repeat(ch, 20);
    for (std::size_t max = 0; max < text.size(); ++max) {
      std::string out = TruncateUtf8(text, max);
      EXPECT_LE(out.size(), max);
      EXPECT_TRUE(IsValidUtf8(out)) << max;
      if (max >= 3) {
        EXPECT_TRUE(EndsWith(out, kEllipsis)) << max;
        std::string kept = out.substr(0, out.size() - 3);
        EXPECT_EQ(kept.size() % ch.size(), 0u) << max;
        EXPECT_GT(kept.size() + ch.size() + 3, max) << "cut more than needed at " << max;
      }
    }
  }
  EXPECT_EQ(TruncateUtf8("abcdef", 2), "ab");  // no room for the marker
  EXPECT_EQ(TruncateUtf8("abcdef", 4, ""), "abcd");
}

TEST(TextFormat, ValidUtf8ReplacesEveryIllFormedByte) {
  const std::string ok = "plain, \xD0\x96, \xE2\x82\xAC, \xF0\x9F\x94\xA5";
  EXPECT_EQ(ValidUtf8(ok), ok);
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(ValidUtf8("a\xFF" "b"), "a" + r + "b");
  EXPECT_EQ(ValidUtf8("\x80"), r);                          // stray continuation byte
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), r + r);                   // overlong '/'
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"), r + r + r);           // a surrogate
  EXPECT_EQ(ValidUtf8("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
  EXPECT_EQ(ValidUtf8("cut \xE2\x82"), "cut " + r + r);       // cut short
  for (const char* bad : {"a\xFF" "b", "\xC0\xAF", "\xED\xA0\x80", "cut \xE2\x82"}) EXPECT_TRUE(IsValidUtf8(ValidUtf8(bad)));
}

TEST(TextFormat, MrkdwnEscapesTheThreeControlCharactersAndIsNeverCutInsideAnEntity) {
  EXPECT_EQ(EscapeMrkdwn("<!channel> & <http://x|y> *bold* `code`"),
            "&lt;!channel&gt; &amp; &lt;http://x|y&gt; *bold* `code`");
  std::string escaped = EscapeMrkdwn("ab<>&");  // "ab&lt;&gt;&amp;"
  for (std::size_t max = 0; max <= escaped.size(); ++max) {
    std::string out = TruncateMrkdwn(escaped, max);
    EXPECT_LE(out.size(), max);
    std::string kept = out.size() >= 3 && EndsWith(out, kEllipsis) ? out.substr(0, out.size() - 3) : out;
    // What is kept is a whole prefix of entities.
    EXPECT_TRUE(kept == "" || kept == "a" || kept == "ab" || kept == "ab&lt;" || kept == "ab&lt;&gt;" ||
                kept == escaped)
        << max << ": " << out;
  }
}

// ---- PagerDuty ---------------------------------------------------------

TEST(PagerDutyFormat, SummaryIsCutOnACharacterBoundaryWithinTheLimit) {
  core::Channel pd{"pd", "pagerduty", {{"routing_key", "KEY"}}, {}};
  std::string message = "x" + Repeat(kZhe, 600);  // byte 1024 falls inside a character
  HttpRequest req;
  ASSERT_NO_THROW(req = pagerduty::Build(pd, message, SampleIncident("t"), "incident_opened", Context()));
  std::string summary = json::parse(req.body)["payload"]["summary"];
  EXPECT_LE(summary.size(), 1024u);
  EXPECT_TRUE(EndsWith(summary, kEllipsis));
  EXPECT_EQ(summary.substr(0, 3), "x" + std::string(kZhe));
}

TEST(PagerDutyFormat, IllFormedUtf8NeverThrows) {
  core::Channel pd{"pd", "pagerduty", {{"routing_key", "KEY"}}, {}};
  core::Incident incident = SampleIncident("bad \xFF byte");
  incident.fields["services"] = core::FieldValue{"multiselect", true, std::nullopt, std::vector<std::string>{"svc\xC3"}};
  HttpRequest req;
  ASSERT_NO_THROW(req = pagerduty::Build(pd, "bad \xFF byte", incident, "incident_opened", Context()));
  json body = json::parse(req.body);
  EXPECT_EQ(body["payload"]["summary"], "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(body["payload"]["component"], "svc\xEF\xBF\xBD");
}

TEST(PagerDutyFormat, WrongTypedAnswerMembersAreClassifiedWithoutThrowing) {
  core::AttemptOutcome out;
  ASSERT_NO_THROW(out = pagerduty::Classify(Answer(400, R"({"status":"invalid event","message":5})")));
  EXPECT_EQ(out.kind, Kind::kPermanent);
  EXPECT_TRUE(Contains(out.detail, "invalid event")) << out.detail;
  ASSERT_NO_THROW(out = pagerduty::Classify(Answer(400, R"({"message":"Event object is invalid"})")));
  EXPECT_TRUE(Contains(out.detail, "Event object is invalid")) << out.detail;
  ASSERT_NO_THROW(out = pagerduty::Classify(Answer(202, R"({"status":5})")));
  EXPECT_EQ(out.kind, Kind::kDelivered);
}

// ---- Slack -------------------------------------------------------------

TEST(SlackFormat, WrongTypedAnswerMembersAreClassifiedWithoutThrowing) {
  core::AttemptOutcome out;
  // Accepted (2xx) but not Slack's shape: delivered, never posted again.
  ASSERT_NO_THROW(out = slack::ClassifyWebApi(Answer(200, R"({"ok":"yes","ts":"1.2"})")));
  EXPECT_EQ(out.kind, Kind::kDelivered);
  EXPECT_EQ(out.thread_ts, "");
  ASSERT_NO_THROW(out = slack::ClassifyWebApi(Answer(200, R"({"ok":true,"ts":123})")));
  EXPECT_EQ(out.kind, Kind::kDelivered);
  EXPECT_EQ(out.thread_ts, "");
  EXPECT_TRUE(Contains(out.detail, "ts")) << out.detail;
  ASSERT_NO_THROW(out = slack::ClassifyWebApi(Answer(200, R"({"ok":false,"error":5})")));
  EXPECT_EQ(out.kind, Kind::kPermanent);
  EXPECT_TRUE(Contains(out.detail, "unknown_error")) << out.detail;
  ASSERT_NO_THROW(out = slack::ClassifyWebApi(Answer(200, R"({"ok":false,"error":"ratelimited"})")));
  EXPECT_EQ(out.kind, Kind::kRetry);
  out = slack::ClassifyWebApi(Answer(200, R"({"ok":true,"ts":"1700000000.000100"})"));
  EXPECT_EQ(out.kind, Kind::kDelivered);
  EXPECT_EQ(out.thread_ts, "1700000000.000100");
}

TEST(SlackFormat, AnAcceptedAnswerThatCannotBeReadIsDeliveredWithoutThread) {
  for (const char* body : {"<html>proxy says hi</html>", R"({"ok":true,"ts":"17000)", "", "[1,2]"}) {
    auto out = slack::ClassifyWebApi(Answer(200, body));
    EXPECT_EQ(out.kind, Kind::kDelivered) << body;
    EXPECT_EQ(out.thread_ts, "") << body;
    EXPECT_TRUE(Contains(out.detail, "could not be read")) << out.detail;
  }
  // Cut at the bound: not read at all, even when its start looks fine.
  HttpAnswer cut = Answer(200, R"({"ok":true,"ts":"1700000000.000100","message":{"text":"aaaa)");
  cut.body_truncated = true;
  auto out = slack::ClassifyWebApi(cut);
  EXPECT_EQ(out.kind, Kind::kDelivered);
  EXPECT_EQ(out.thread_ts, "");
  EXPECT_TRUE(Contains(out.detail, "longer than 1048576 bytes")) << out.detail;
  // A refusal still counts by its status.
  EXPECT_EQ(slack::ClassifyWebApi(Answer(500, "<html>")).kind, Kind::kRetry);
  EXPECT_EQ(slack::ClassifyWebApi(Answer(404, "<html>")).kind, Kind::kPermanent);
}

TEST(SlackFormat, TextsStayWithinSlacksLimits) {
  core::Channel slack{"s", "slack", {{"url", "https://hooks.slack.com/services/x"}}, {}};
  core::Incident incident = SampleIncident("x" + Repeat(kZhe, 2000));
  SendContext ctx = Context();
  ctx.text = Repeat(kZhe, 30000);  // 60,000 bytes
  auto req = BuildRequest(slack, SampleDelivery("status_update"), &incident, ctx);
  ASSERT_TRUE(req);
  json body = json::parse(req->body);
  std::string text = body["text"];
  EXPECT_LE(text.size(), 40000u);
  EXPECT_TRUE(EndsWith(text, kEllipsis));
  EXPECT_LE(body["attachments"][0]["fallback"].get<std::string>().size(), 40000u);
  for (const auto& b : body["attachments"][0]["blocks"]) {
    std::string t = b.contains("text") ? b["text"]["text"] : b["elements"][0]["text"];
    EXPECT_LE(t.size(), 3000u);
    EXPECT_TRUE(IsValidUtf8(t));
  }
  // The title's link stays whole even when the title is cut.
  std::string head = body["attachments"][0]["blocks"][0]["text"]["text"];
  EXPECT_EQ(head.rfind("*<https://tocsin.example.com/incidents/" + incident.id + "|IR-7: x" + kZhe, 0), 0u) << head;
  EXPECT_TRUE(Contains(head, std::string(kEllipsis) + ">*\n")) << head.substr(0, 200);
}

TEST(SlackFormat, UserTextIsEscapedForMrkdwnButTemplatesKeepTheirMarkup) {
  core::Channel slack{"s", "slack",
                      {{"url", "https://hooks.slack.com/services/x"},
                       {"template", "<!here> *{{title}}* {{message}} {{{message}}}"}},
                      {}};
  core::Incident incident = SampleIncident("<!channel> & <http://evil.example|docs>");
  incident.fields["runbook"] = core::FieldValue{"textbox", false, "https://ok.example/run?a=1&b=2|fake>", std::nullopt};
  incident.fields["dashboard"] = core::FieldValue{"textbox", false, "/dash`<!everyone>", std::nullopt};
  SendContext ctx = Context();
  ctx.text = "<@U0ADMIN> 5 > 3";
  auto req = BuildRequest(slack, SampleDelivery("status_update"), &incident, ctx);
  ASSERT_TRUE(req);
  json body = json::parse(req->body);
  // The operator's template markup stays; the variables' text is escaped
  // ({{{triple}}} is the template author's explicit choice to keep it raw).
  EXPECT_EQ(body["text"],
            "<!here> *&lt;!channel&gt; &amp; &lt;http://evil.example|docs&gt;* &lt;@U0ADMIN&gt; 5 &gt; 3 <@U0ADMIN> 5 > 3");
  std::string head = body["attachments"][0]["blocks"][0]["text"]["text"];
  EXPECT_TRUE(Contains(head, "|IR-7: &lt;!channel&gt; &amp; &lt;http://evil.example|docs&gt;>*\n")) << head;
  std::string links = body["attachments"][0]["blocks"][2]["text"]["text"];
  EXPECT_EQ(links, "<https://ok.example/run?a=1&amp;b=2%7Cfake%3E|Runbook> · Dashboard: `/dash`&lt;!everyone&gt;`");
}

TEST(SlackFormat, IllFormedUtf8NeverThrows) {
  core::Channel bot{"b", "slack_webapi", {{"token", "xoxb-1"}, {"channel", "C01"}}, {}};
  core::Incident incident = SampleIncident("bad \xFF byte");
  Result<HttpRequest> req = InvalidArgument("not built");
  ASSERT_NO_THROW(req = BuildRequest(bot, SampleDelivery("incident_opened"), &incident, Context()));
  ASSERT_TRUE(req);
  EXPECT_TRUE(Contains(json::parse(req->body)["text"], "bad \xEF\xBF\xBD byte"));
}

// ---- Generic -----------------------------------------------------------

TEST(HttpAnswerDetail, IsCutOnACharacterBoundaryAndValid) {
  auto out = ClassifyHttp(Answer(500, "x" + Repeat(kZhe, 300)));
  EXPECT_TRUE(IsValidUtf8(out.detail)) << out.detail;
  out = ClassifyHttp(Answer(500, "latin-1 \xE9t\xE9"));
  EXPECT_TRUE(IsValidUtf8(out.detail)) << out.detail;
}

TEST(WebhookFormat, IllFormedUtf8NeverThrows) {
  core::Channel hook{"h", "webhook", {{"url", "https://example.com/hook"}}, {}};
  core::Incident incident = SampleIncident("bad \xFF byte");
  Result<HttpRequest> req = InvalidArgument("not built");
  ASSERT_NO_THROW(req = BuildRequest(hook, SampleDelivery("incident_opened"), &incident, Context()));
  ASSERT_TRUE(req);
  EXPECT_EQ(json::parse(req->body)["incident"]["title"], "bad \xEF\xBF\xBD byte");
}

// ---- Email -------------------------------------------------------------

struct Parsed {
  std::vector<std::string> header_lines;
  std::string body;
};

Parsed Split(const std::string& data) {
  Parsed p;
  std::size_t blank = data.find("\r\n\r\n");
  std::string head = data.substr(0, blank);
  p.body = blank == std::string::npos ? "" : data.substr(blank + 4);
  for (std::size_t start = 0; start <= head.size();) {
    std::size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    p.header_lines.push_back(head.substr(start, end - start));
    start = end + 2;
  }
  return p;
}

TEST(EmailFormat, HeadersCarryNoControlCharactersAndStayShort) {
  core::Channel mail{"m", "email",
                     {{"smtp_url", "smtp://127.0.0.1:25"},
                      {"from", "tocsin@example.com\r\nBcc: a@evil.example"},
                      {"to", "oncall@example.com\r\nX-Evil: 1, sre@example.com"}},
                     {}};
  core::Incident incident = SampleIncident("Ärger\r\nBcc: victim@evil.example\n\tX: y" + Repeat(" long", 40));
  auto m = email::Build(mail, "body", &incident, SampleDelivery("incident_opened"), Context());
  Parsed p = Split(m.data);
  for (const auto& line : p.header_lines) {
    EXPECT_LE(line.size(), 78u) << line;
    EXPECT_NE(line.rfind("Bcc:", 0), 0u) << line;
    EXPECT_NE(line.rfind("X-Evil:", 0), 0u) << line;
    EXPECT_NE(line.rfind("X:", 0), 0u) << line;
    EXPECT_TRUE(std::all_of(line.begin(), line.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7F; })) << line;
  }
  EXPECT_EQ(p.header_lines[0].rfind("From: tocsin@example.com Bcc: a@evil.example", 0), 0u) << p.header_lines[0];
  // The envelope holds no line breaks either (they would be SMTP commands).
  EXPECT_EQ(m.from, "tocsin@example.com Bcc: a@evil.example");
  ASSERT_EQ(m.to.size(), 2u);
  EXPECT_EQ(m.to[0], "oncall@example.com X-Evil: 1");
  EXPECT_TRUE(Contains(m.data, "\r\nSubject: =?UTF-8?B?")) << m.data;
  EXPECT_TRUE(Contains(m.data, "\r\nMIME-Version: 1.0\r\n")) << m.data;
  EXPECT_TRUE(Contains(m.data, "\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n")) << m.data;
  EXPECT_TRUE(Contains(m.data, "\r\nContent-Transfer-Encoding: 8bit\r\n")) << m.data;
}

// A notice (no incident) carries its own message, written for its channel
// when it was queued: sent as it is, not through the channel's template.
TEST(NoticeFormat, SlackSendsTheBodyAndEmailSendsAnHtmlPageWithTheReasonAsSubject) {
  core::Delivery notice = SampleDelivery("weekly_report");
  notice.notice_key = "weekly-report:2026-W48:s";
  notice.reason = "Weekly review 2026-W48";
  notice.body = "*Weekly review 2026-W48*\n3 incidents";
  core::Channel slack{"s", "slack", {{"url", "https://hooks.slack.com/services/x"}, {"template", "ignored"}}, {}};
  auto req = BuildRequest(slack, notice, nullptr, Context());
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(json::parse(req->body)["text"], "*Weekly review 2026-W48*\n3 incidents") << req->body;
  core::Channel pd{"p", "pagerduty", {{"routing_key", "k"}}, {}};
  EXPECT_FALSE(BuildRequest(pd, notice, nullptr, Context()));  // no PagerDuty event for a notice

  core::Channel mail{"m", "email", {{"smtp_url", "smtp://127.0.0.1:25"}, {"to", "managers@example.com"}}, {}};
  notice.body = "<!DOCTYPE html>\n<html><body><h1>Weekly review</h1></body></html>";
  auto m = email::Build(mail, notice.body, nullptr, notice, Context());
  EXPECT_TRUE(Contains(m.data, "\r\nSubject: Weekly review 2026-W48\r\n")) << m.data;
  EXPECT_TRUE(Contains(m.data, "\r\nContent-Type: text/html; charset=utf-8\r\n")) << m.data;
  EXPECT_TRUE(Contains(Split(m.data).body, "<h1>Weekly review</h1>")) << m.data;
  notice.body = "plain words";
  m = email::Build(mail, notice.body, nullptr, notice, Context());
  EXPECT_TRUE(Contains(m.data, "\r\nContent-Type: text/plain; charset=utf-8\r\n")) << m.data;
}

// The weekly review by email: the HTML page with a plain-text alternative
// before it (multipart/alternative), the SVG charts left out of the text.
TEST(NoticeFormat, AnHtmlEmailCarriesATextAlternative) {
  core::Delivery notice = SampleDelivery("weekly_report");
  notice.notice_key = "weekly-report:2026-W48:m";
  notice.reason = "Weekly incident review 2026-W48";
  notice.body =
      "<!DOCTYPE html>\n<html><head><style>td{color:red}</style></head><body><h1>Weekly &amp; review</h1>"
      "<svg width=\"10\"><text>chart</text></svg><table><tr><th>Target</th><th>Status</th></tr>"
      "<tr><td>MTTA</td><td>met</td></tr></table><p>2 incidents</p></body></html>";
  core::Channel mail{"m", "email", {{"smtp_url", "smtp://127.0.0.1:25"}, {"to", "managers@example.com"}}, {}};
  auto m = email::Build(mail, notice.body, nullptr, notice, Context());
  EXPECT_TRUE(Contains(m.data, "\r\nContent-Type: multipart/alternative; boundary=\"")) << m.data;
  auto text_at = m.data.find("Content-Type: text/plain; charset=utf-8");
  auto html_at = m.data.find("Content-Type: text/html; charset=utf-8");
  ASSERT_NE(text_at, std::string::npos) << m.data;
  ASSERT_NE(html_at, std::string::npos) << m.data;
  EXPECT_LT(text_at, html_at);
  std::string text = m.data.substr(text_at, html_at - text_at);
  EXPECT_TRUE(Contains(text, "Weekly & review\r\n")) << text;
  EXPECT_TRUE(Contains(text, "Target | Status\r\nMTTA | met\r\n")) << text;
  EXPECT_FALSE(Contains(text, "chart")) << text;
  EXPECT_FALSE(Contains(text, "color:red")) << text;
  EXPECT_TRUE(Contains(m.data.substr(html_at), "<h1>Weekly &amp; review</h1>")) << m.data;
}

// A webhook notice carrying JSON posts it as data, with its key.
TEST(NoticeFormat, AWebhookNoticeCarriesItsJsonAsData) {
  core::Delivery notice = SampleDelivery("weekly_report");
  notice.notice_key = "weekly-report:2026-W48:h";
  notice.reason = "Weekly incident review 2026-W48";
  notice.body = R"({"type":"weekly_report","id":"2026-W48","attributes":{"incidents":{"total":4}}})";
  core::Channel hook{"h", "webhook", {{"url", "https://example.com/hook"}}, {}};
  auto req = BuildRequest(hook, notice, nullptr, Context());
  ASSERT_TRUE(req) << req.error().message;
  auto body = json::parse(req->body);
  EXPECT_EQ(body["event"], "weekly_report");
  EXPECT_EQ(body["message"], "Weekly incident review 2026-W48");
  EXPECT_TRUE(body["incident"].is_null());
  EXPECT_EQ(body["notice"]["key"], "weekly-report:2026-W48:h");
  EXPECT_EQ(body["notice"]["data"]["attributes"]["incidents"]["total"], 4);
}

TEST(EmailFormat, AsciiSubjectStaysReadable) {
  core::Channel mail{"m", "email", {{"smtp_url", "smtp://127.0.0.1:25"}, {"to", "oncall@example.com"}}, {}};
  core::Incident incident = SampleIncident("Checkout is down");
  auto m = email::Build(mail, "body", &incident, SampleDelivery("incident_opened"), Context());
  EXPECT_TRUE(Contains(m.data, "\r\nSubject: [SEV-1] Checkout is down (IR-7)\r\n")) << m.data;
}

TEST(EmailFormat, BodyLineEndsAreCrlfAndLongLinesGoQuotedPrintable) {
  core::Channel mail{"m", "email", {{"smtp_url", "smtp://127.0.0.1:25"}, {"to", "oncall@example.com"}}, {}};
  core::Incident incident = SampleIncident("t");
  auto m = email::Build(mail, "a\nb\rc\r\n.\nd", &incident, SampleDelivery("incident_opened"), Context());
  Parsed p = Split(m.data);
  EXPECT_EQ(p.body.rfind("a\r\nb\r\nc\r\n.\r\nd\r\n", 0), 0u) << p.body;
  for (std::size_t i = 0; i < m.data.size(); ++i) {
    if (m.data[i] == '\n') {
      EXPECT_TRUE(i > 0 && m.data[i - 1] == '\r') << "bare LF at " << i;
    }
    if (m.data[i] == '\r') {
      EXPECT_TRUE(i + 1 < m.data.size() && m.data[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  auto longer = email::Build(mail, std::string(1200, 'a') + " =\n.x", &incident, SampleDelivery("incident_opened"), Context());
  EXPECT_TRUE(Contains(longer.data, "\r\nContent-Transfer-Encoding: quoted-printable\r\n")) << longer.data.substr(0, 400);
  Parsed q = Split(longer.data);
  std::size_t start = 0;
  while (start < q.body.size()) {
    std::size_t end = q.body.find("\r\n", start);
    if (end == std::string::npos) end = q.body.size();
    EXPECT_LE(end - start, 76u) << q.body.substr(start, end - start);
    start = end + 2;
  }
  EXPECT_TRUE(Contains(q.body, " =3D\r\n=2Ex\r\n")) << q.body;
}

}  // namespace
}  // namespace tocsin::notify
