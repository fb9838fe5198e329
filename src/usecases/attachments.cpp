#include "usecases/attachments.hpp"

#include <algorithm>

namespace tocsin::usecases {
namespace {

Result<void> CheckUrl(const std::string& url) {
  if (auto problem = LinkUrlProblem(url)) return InvalidArgument("url: " + *problem);
  return {};
}

Result<void> CheckTitle(const std::string& title) {
  if (title.size() > kMaxLinkTitleBytes) {
    return InvalidArgument("title: longer than " + std::to_string(kMaxLinkTitleBytes) + " bytes");
  }
  return {};
}

std::string Shown(const core::Attachment& link) {
  constexpr std::size_t kShown = 120;
  auto cut = [](const std::string& s) { return s.size() <= kShown ? s : s.substr(0, kShown) + "..."; };
  if (link.title == link.url) return cut(link.url);
  return "\"" + cut(link.title) + "\" (" + cut(link.url) + ")";
}

core::Attachment* FindLink(core::Incident& inc, const std::string& id) {
  for (auto& a : inc.attachments) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

// The post-mortem is shown among the attachments, under its own id.
Result<void> NotThePostmortem(const core::Incident& inc, const std::string& id) {
  if (inc.postmortem && inc.postmortem->id == id) {
    return InvalidArgument("attachment_id: " + id +
                           " is the incident's post-mortem, not a link; the post-mortem's own endpoints change it");
  }
  return {};
}

void Touch(core::Incident& inc, const core::Actor& actor, TimePoint now) {
  inc.modified = now;
  inc.modified_by = actor;
  ++inc.version;
}

Result<core::Attachment> Add(core::Mutation& m, const LinkInput& input, const std::string& id,
                             const core::Actor& actor, TimePoint now) {
  if (!input.url) return InvalidArgument("url: is required");
  if (auto ok = CheckUrl(*input.url); !ok) return tl::unexpected(ok.error());
  std::string title = input.title && !input.title->empty() ? *input.title : *input.url;
  if (auto ok = CheckTitle(title); !ok) return tl::unexpected(ok.error());
  if (m.incident.attachments.size() >= kMaxLinksPerIncident) {
    return InvalidArgument("attachments: an incident has at most " + std::to_string(kMaxLinksPerIncident) + " links");
  }
  core::Attachment link{id, *input.url, title, now, now, actor, actor};
  m.incident.attachments.push_back(link);
  m.events.push_back({now, actor, "link_added", "Link added: " + Shown(link), {}});
  return link;
}

Result<core::Attachment> Change(core::Mutation& m, const std::string& incident_id, const std::string& link_id,
                                const LinkInput& input, const core::Actor& actor, TimePoint now) {
  if (auto ok = NotThePostmortem(m.incident, link_id); !ok) return tl::unexpected(ok.error());
  core::Attachment* link = FindLink(m.incident, link_id);
  if (!link) return NotFound("attachment " + link_id + " not found on incident " + incident_id);
  std::vector<core::Change> changes;
  if (input.url && *input.url != link->url) {
    if (auto ok = CheckUrl(*input.url); !ok) return tl::unexpected(ok.error());
    changes.push_back({"url", link->url, *input.url});
  }
  // An empty title means "show the URL", as on create; so does a title that
  // was the URL when the URL changes and no title is given.
  std::optional<std::string> title = input.title;
  if (title && title->empty()) title = input.url.value_or(link->url);
  if (!title && input.url && link->title == link->url) title = *input.url;
  if (title) {
    if (auto ok = CheckTitle(*title); !ok) return tl::unexpected(ok.error());
    if (*title != link->title) changes.push_back({"title", link->title, *title});
  }
  if (changes.empty()) return *link;
  for (const auto& c : changes) (c.field == "url" ? link->url : link->title) = c.to;
  link->modified = now;
  link->modified_by = actor;
  m.events.push_back({now, actor, "link_updated", "Link changed: " + Shown(*link), std::move(changes)});
  return *link;
}

Result<void> Remove(core::Mutation& m, const std::string& incident_id, const std::string& link_id,
                    const core::Actor& actor, TimePoint now) {
  if (auto ok = NotThePostmortem(m.incident, link_id); !ok) return tl::unexpected(ok.error());
  auto& links = m.incident.attachments;
  auto it = std::find_if(links.begin(), links.end(), [&](const core::Attachment& a) { return a.id == link_id; });
  if (it == links.end()) return NotFound("attachment " + link_id + " not found on incident " + incident_id);
  m.events.push_back({now, actor, "link_removed", "Link removed: " + Shown(*it), {}});
  links.erase(it);
  return {};
}

}  // namespace

Result<LinkResult> AddLink(const Context& ctx, const std::string& incident_id, const LinkInput& input,
                           const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  std::string id = ctx.new_id();
  core::Attachment result;
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}, {}};
    auto link = Add(m, input, id, actor, now);
    if (!link) return tl::unexpected(link.error());
    result = *link;
    Touch(m.incident, actor, now);
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return LinkResult{std::move(*updated), std::move(result)};
}

Result<LinkResult> UpdateLink(const Context& ctx, const std::string& incident_id, const std::string& link_id,
                              const LinkInput& input, const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  core::Attachment result;
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}, {}};
    auto link = Change(m, incident_id, link_id, input, actor, now);
    if (!link) return tl::unexpected(link.error());
    result = *link;
    if (m.events.empty()) return core::Mutation{current, {}, {}};  // nothing changed: nothing written
    Touch(m.incident, actor, now);
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return LinkResult{std::move(*updated), std::move(result)};
}

Result<void> RemoveLink(const Context& ctx, const std::string& incident_id, const std::string& link_id,
                        const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}, {}};
    if (auto ok = Remove(m, incident_id, link_id, actor, now); !ok) return tl::unexpected(ok.error());
    Touch(m.incident, actor, now);
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return {};
}

Result<std::vector<core::Attachment>> ChangeLinks(const Context& ctx, const std::string& incident_id,
                                                  const std::vector<LinkChange>& changes, const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  std::vector<std::string> new_ids;
  for (const auto& c : changes) new_ids.push_back(c.id ? "" : ctx.new_id());
  std::vector<core::Attachment> result;
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    result.clear();
    core::Mutation m{current, {}, {}};
    for (std::size_t k = 0; k < changes.size(); ++k) {
      const LinkChange& c = changes[k];
      auto where = [k](const Error& e) {
        if (e.code != ErrorCode::kInvalidArgument) return tl::unexpected(e);
        return tl::unexpected(Error{e.code, "[" + std::to_string(k) + "]." + e.message});
      };
      if (!c.id) {
        auto link = Add(m, c.input.value_or(LinkInput{}), new_ids[k], actor, now);
        if (!link) return where(link.error());
        result.push_back(*link);
      } else if (c.input) {
        auto link = Change(m, incident_id, *c.id, *c.input, actor, now);
        if (!link) return where(link.error());
        result.push_back(*link);
      } else if (auto ok = Remove(m, incident_id, *c.id, actor, now); !ok) {
        return where(ok.error());
      }
    }
    if (m.events.empty()) return core::Mutation{current, {}, {}};
    Touch(m.incident, actor, now);
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return result;
}

}  // namespace tocsin::usecases
