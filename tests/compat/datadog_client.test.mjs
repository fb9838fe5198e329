// Datadog's official TypeScript/JavaScript client, pointed at Tocsin by
// changing only the base URL: create, get, list (with the pagination helper),
// update, delete and search must all work.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { client, v2 } from "@datadog/datadog-api-client";
import SwaggerParser from "@apidevtools/swagger-parser";

const [binary, sourceDir] = process.argv.slice(2);
const config = join(sourceDir, "examples/v-commerce/tocsin.yaml");
const dataDir = mkdtempSync(join(tmpdir(), "tocsin-compat-"));

const keys = JSON.parse(
  execFileSync(binary, ["keys", "create", "--config", config, "--data", dataDir, "--name", "compat", "--json"]).toString(),
);

const server = spawn(binary, ["serve", "--config", config, "--data", dataDir, "--listen", "127.0.0.1:0"], {
  stdio: ["ignore", "ignore", "pipe"],
});
const baseUrl = await new Promise((resolve, reject) => {
  let buffered = "";
  server.stderr.on("data", (chunk) => {
    buffered += chunk.toString();
    const m = buffered.match(/tocsin listening address=(http:\/\/[0-9.]+:\d+)/);
    if (m) resolve(m[1]);
  });
  server.on("exit", (code) => reject(new Error(`tocsin exited early (${code}): ${buffered}`)));
});

let failed = false;
try {
  const configuration = client.createConfiguration({
    baseServer: new client.BaseServerConfiguration(baseUrl, {}),
    authMethods: { apiKeyAuth: keys.api_key, appKeyAuth: keys.application_key },
  });
  for (const op of ["createIncident", "getIncident", "listIncidents", "updateIncident", "deleteIncident", "searchIncidents",
                    "createIncidentTodo", "listIncidentTodos", "getIncidentTodo", "updateIncidentTodo", "deleteIncidentTodo"]) {
    configuration.unstableOperations[`v2.${op}`] = true;
  }
  const api = new v2.IncidentsApi(configuration);

  // create, with Datadog's fields form
  const created = await api.createIncident({
    body: {
      data: {
        type: "incidents",
        attributes: {
          title: "Checkout down",
          customerImpacted: true,
          customerImpactScope: "EU shoppers cannot pay",
          fields: {
            severity: { type: "dropdown", value: "SEV-1" },
            teams: { type: "multiselect", value: ["commerce"] },
          },
        },
      },
    },
  });
  const id = created.data.id;
  assert.equal(created.data.type, "incidents");
  assert.equal(created.data.attributes.title, "Checkout down");
  assert.equal(created.data.attributes.severity, "SEV-1");
  assert.equal(created.data.attributes.state, "active");
  assert.equal(created.data.attributes.customerImpacted, true);
  assert.ok(created.data.attributes.created instanceof Date);
  assert.equal(created.data.attributes.publicId, 1);

  // get, with users included
  const got = await api.getIncident({ incidentId: id, include: ["users"] });
  assert.equal(got.data.id, id);
  assert.equal(got.data.attributes.fields.teams.value[0], "commerce");
  assert.ok(Array.isArray(got.included));

  // more incidents for paging
  for (let k = 0; k < 12; k++) {
    await api.createIncident({
      body: { data: { type: "incidents", attributes: { title: `filler ${k}`, customerImpacted: false } } },
    });
  }
  const page = await api.listIncidents({ pageSize: 5, pageOffset: 0 });
  assert.equal(page.data.length, 5);
  const seen = new Set();
  for await (const incident of api.listIncidentsWithPagination({ pageSize: 5 })) seen.add(incident.id);
  assert.equal(seen.size, 13);

  // update: resolve through fields.state, and set the impact window
  const updated = await api.updateIncident({
    incidentId: id,
    body: {
      data: {
        id,
        type: "incidents",
        attributes: {
          fields: { state: { type: "dropdown", value: "resolved" } },
          customerImpactStart: new Date("2026-11-27T09:00:00Z"),
          customerImpactEnd: new Date("2026-11-27T09:30:00Z"),
        },
      },
    },
  });
  assert.equal(updated.data.attributes.state, "resolved");
  assert.ok(updated.data.attributes.resolved instanceof Date);
  assert.equal(updated.data.attributes.customerImpactDuration, 1800);

  // search
  const found = await api.searchIncidents({ query: "state:resolved AND severity:(SEV-1 OR SEV-2)" });
  assert.equal(found.data.type, "incidents_search_results");
  assert.equal(found.data.attributes.total, 1);
  assert.equal(found.data.attributes.incidents[0].data.id, id);
  assert.ok(found.data.attributes.facets);
  let searched = 0;
  for await (const _ of api.searchIncidentsWithPagination({ query: "state:active", pageSize: 5 })) searched++;
  assert.equal(searched, 12);

  // todos: create, list, get, tick, delete, in the client's own types
  const todo = await api.createIncidentTodo({
    incidentId: id,
    body: { data: { type: "incident_todos", attributes: { content: "Restore payments", assignees: ["@priya"], dueDate: "2026-11-28T09:00:00Z" } } },
  });
  assert.equal(todo.data.type, "incident_todos");
  assert.equal(todo.data.attributes.content, "Restore payments");
  assert.deepEqual(todo.data.attributes.assignees, ["@priya"]);
  assert.equal(todo.data.attributes.incidentId, id);
  // Checklists add their items as todos too (Tocsin's own "checklist" attribute).
  const byHand = (list) => list.data.filter((t) => !(t.attributes.additionalProperties || {}).checklist);
  const todos = await api.listIncidentTodos({ incidentId: id });
  assert.equal(byHand(todos).length, 1);
  assert.ok(todos.data.some((t) => (t.attributes.additionalProperties || {}).checklist === "On Incident Creation"));
  const gotTodo = await api.getIncidentTodo({ incidentId: id, todoId: todo.data.id });
  assert.equal(gotTodo.data.id, todo.data.id);
  const ticked = await api.updateIncidentTodo({
    incidentId: id,
    todoId: todo.data.id,
    body: { data: { type: "incident_todos", attributes: { content: "Restore payments", assignees: ["@priya"], completed: "2026-11-27T10:00:00Z" } } },
  });
  assert.ok(ticked.data.attributes.completed);
  await assert.rejects(
    api.createIncidentTodo({ incidentId: id, body: { data: { type: "incident_todos", attributes: { content: "x", assignees: ["@nobody"] } } } }),
    (e) => e.code === 400 && e.body.errors[0].includes("assignees"),
  );
  await api.deleteIncidentTodo({ incidentId: id, todoId: todo.data.id });
  assert.equal(byHand(await api.listIncidentTodos({ incidentId: id })).length, 0);

  // delete, then the incident is gone (404 as an ApiException)
  await api.deleteIncident({ incidentId: id });
  await assert.rejects(api.getIncident({ incidentId: id }), (e) => e.code === 404);

  // bad input is a 400 with Datadog's error body
  await assert.rejects(
    api.createIncident({
      body: { data: { type: "incidents", attributes: { title: "x", customerImpacted: false, fields: { severity: { type: "dropdown", value: "SEV-9" } } } } },
    }),
    (e) => e.code === 400 && e.body.errors[0].includes("SEV-9"),
  );
  await checkConfigEndpoints(configuration); // defined at the end of this file
  await attachmentAndImpactChecks(api, configuration);  // defined at the end of this file
  await checkOpenApiDocument(baseUrl);  // defined at the end of this file
  console.log("datadog client compatibility: all checks passed");
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  server.kill("SIGTERM");
  await new Promise((r) => server.on("exit", r));
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

// ---------------------------------------------------------------------------
// Configuration endpoints (read-only): incident types, user-defined fields
// (template fields), the post-mortem template, rules and notification rules,
// through the client's own methods and models. Writes are refused with 405.
// ---------------------------------------------------------------------------
async function checkConfigEndpoints(configuration) {
  for (const op of ["listIncidentTypes", "getIncidentType", "createIncidentType", "listIncidentUserDefinedFields",
                    "getIncidentUserDefinedField", "listIncidentPostmortemTemplates", "getIncidentPostmortemTemplate",
                    "listIncidentRules", "getIncidentRule", "listIncidentNotificationRules",
                    "getIncidentNotificationRule"]) {
    configuration.unstableOperations[`v2.${op}`] = true;
  }
  const api = new v2.IncidentsApi(configuration);

  const types = await api.listIncidentTypes({});
  assert.deepEqual(types.data.map((t) => t.attributes.name), ["LLM Quality", "Security", "Tier 1 Services", "Capacity"]);
  const security = types.data[1];
  assert.equal(security.type, "incident_types");
  assert.equal(security.attributes.isDefault, false);
  assert.equal(security.attributes.prefix, "IR");
  assert.ok(security.attributes.createdAt instanceof Date);
  const gotType = await api.getIncidentType({ incidentTypeId: security.id });
  assert.equal(gotType.data.attributes.name, "Security");
  assert.equal(gotType.data.attributes.description, security.attributes.description);
  await assert.rejects(api.getIncidentType({ incidentTypeId: "no-such-type" }), (e) => e.code === 404);

  const fields = await api.listIncidentUserDefinedFields({ filterIncidentType: security.id });
  assert.deepEqual(fields.data.map((f) => f.attributes.name),
                   ["attack_vector", "attack_successful", "data_exposed", "source_ip_session_blocked"]);
  const vector = fields.data[0];
  assert.equal(vector.type, "user_defined_field");
  assert.equal(vector.attributes.displayName, "Attack Vector");
  assert.equal(vector.attributes.type, 1);
  assert.deepEqual(vector.attributes.validValues.map((v) => v.value),
                   ["prompt_injection", "jailbreak", "data_extraction", "unknown"]);
  assert.equal(vector.relationships.incidentType.data.id, security.id);
  const gotField = await api.getIncidentUserDefinedField({ fieldId: vector.id });
  assert.equal(gotField.data.attributes.displayName, "Attack Vector");
  assert.equal((await api.listIncidentUserDefinedFields({})).data.length, 8);

  const templates = await api.listIncidentPostmortemTemplates({});
  assert.equal(templates.data.length, 1);
  assert.ok(templates.data[0].attributes.content.startsWith("# Post-Mortem: [Incident Title]"));
  const gotTemplate = await api.getIncidentPostmortemTemplate({ templateId: templates.data[0].id });
  assert.equal(gotTemplate.data.attributes.content, templates.data[0].attributes.content);

  const rules = await api.listIncidentRules({});
  assert.equal(rules.data.length, 4);
  assert.equal(rules.data[0].type, "incidents_rules");
  assert.equal(rules.data[0].attributes.enabled, true);
  assert.deepEqual(rules.data[0].attributes.conditions[0].values,
                   ["[V-Commerce] LLM Prompt Injection / Adversarial Input Detection"]);
  assert.equal((await api.getIncidentRule({ ruleId: rules.data[2].id })).data.id, rules.data[2].id);

  const notificationRules = await api.listIncidentNotificationRules({});
  assert.equal(notificationRules.data.length, 4);
  assert.deepEqual(notificationRules.data[0].attributes.handles, ["slack-security-alerts", "pagerduty-security"]);
  assert.equal(notificationRules.data[0].relationships.incidentType.data.id, security.id);
  const gotNotificationRule = await api.getIncidentNotificationRule({ id: notificationRules.data[0].id });
  assert.equal(gotNotificationRule.data.id, notificationRules.data[0].id);

  // The config file owns them: creating a type is refused, naming the file.
  await assert.rejects(
    api.createIncidentType({ body: { data: { type: "incident_types", attributes: { name: "Billing" } } } }),
    (e) => e.code === 405 && String(e.body).includes("owned by the config file (tocsin.yaml)"),
  );
  assert.equal((await api.listIncidentTypes({})).data.length, 4);
}

// ---------------------------------------------------------------------------
// Attachments and impacts (issue 11): links added, listed, filtered, changed
// and removed with the client's own operations; impacts created, listed,
// patched and deleted; bad input is a 400 the client maps to APIErrorResponse.
async function attachmentAndImpactChecks(api, configuration) {
  for (const op of ["createIncidentAttachment", "listIncidentAttachments", "updateIncidentAttachment",
                    "deleteIncidentAttachment", "patchIncidentImpact"]) {
    configuration.unstableOperations[`v2.${op}`] = true;
  }
  const incident = await api.createIncident({
    body: { data: { type: "incidents", attributes: { title: "Search slow", customerImpacted: false } } },
  });
  const incidentId = incident.data.id;

  const link = await api.createIncidentAttachment({
    incidentId,
    body: {
      data: {
        type: "incident_attachments",
        attributes: { attachmentType: "link", attachment: { documentUrl: "https://runbooks.example.com/search", title: "Search runbook" } },
      },
    },
  });
  assert.equal(link.data.type, "incident_attachments");
  assert.equal(link.data.attributes.attachmentType, "link");
  assert.equal(link.data.attributes.attachment.documentUrl, "https://runbooks.example.com/search");
  assert.ok(link.data.attributes.modified instanceof Date);
  assert.equal(link.data.relationships.incident.data.id, incidentId);
  const listed = await api.listIncidentAttachments({ incidentId, filterAttachmentType: "link" });
  assert.equal(listed.data.length, 1);
  assert.equal(listed.data[0].id, link.data.id);
  assert.equal((await api.listIncidentAttachments({ incidentId, filterAttachmentType: "postmortem" })).data.length, 0);
  const renamed = await api.updateIncidentAttachment({
    incidentId,
    attachmentId: link.data.id,
    body: { data: { type: "incident_attachments", attributes: { attachment: { title: "Search runbook v2" } } } },
  });
  assert.equal(renamed.data.attributes.attachment.title, "Search runbook v2");
  assert.equal(renamed.data.attributes.attachment.documentUrl, "https://runbooks.example.com/search");
  await assert.rejects(
    api.createIncidentAttachment({
      incidentId,
      body: { data: { type: "incident_attachments", attributes: { attachmentType: "link", attachment: { documentUrl: "javascript:alert(1)" } } } },
    }),
    (e) => e.code === 400 && e.body.errors[0].includes("documentUrl"),
  );
  const withAttachments = await api.getIncident({ incidentId, include: ["attachments"] });
  assert.equal(withAttachments.data.relationships.attachments.data[0].id, link.data.id);
  assert.equal(withAttachments.included.length, 1);
  await api.deleteIncidentAttachment({ incidentId, attachmentId: link.data.id });
  assert.equal((await api.listIncidentAttachments({ incidentId })).data.length, 0);
  await assert.rejects(api.deleteIncidentAttachment({ incidentId, attachmentId: link.data.id }), (e) => e.code === 404);

  const impact = await api.createIncidentImpact({
    incidentId,
    body: { data: { type: "incident_impacts", attributes: { description: "Search results take 10 s", startAt: new Date("2026-11-27T09:30:00Z") } } },
  });
  assert.equal(impact.data.type, "incident_impacts");
  assert.equal(impact.data.attributes.description, "Search results take 10 s");
  assert.equal(impact.data.attributes.startAt.toISOString(), "2026-11-27T09:30:00.000Z");
  const impacts = await api.listIncidentImpacts({ incidentId });
  assert.equal(impacts.data.length, 1);
  assert.equal(impacts.data[0].id, impact.data.id);
  const ended = await api.patchIncidentImpact({
    incidentId,
    impactId: impact.data.id,
    body: { data: { type: "incident_impacts", attributes: { endAt: new Date("2026-11-27T10:00:00Z") } } },
  });
  assert.equal(ended.data.attributes.endAt.toISOString(), "2026-11-27T10:00:00.000Z");
  const impacted = await api.getIncident({ incidentId });
  assert.equal(impacted.data.attributes.customerImpacted, true);
  assert.equal(impacted.data.attributes.customerImpactDuration, 1800);
  await assert.rejects(
    api.createIncidentImpact({
      incidentId,
      body: {
        data: {
          type: "incident_impacts",
          attributes: { description: "x", startAt: new Date("2026-11-27T09:30:00Z"), endAt: new Date("2026-11-27T09:00:00Z") },
        },
      },
    }),
    (e) => e.code === 400 && e.body.errors[0].includes("end_at"),
  );
  await api.deleteIncidentImpact({ incidentId, impactId: impact.data.id });
  assert.equal((await api.listIncidentImpacts({ incidentId })).data.length, 0);

  // A post-mortem asked for where the severity does not require one (the
  // incident above has no severity): the client's own operation and model.
  configuration.unstableOperations["v2.createIncidentPostmortemAttachment"] = true;
  const postmortem = await api.createIncidentPostmortemAttachment({
    incidentId,
    body: { data: { type: "incident_attachments", attributes: { title: "Search slow: post-mortem" } } },
  });
  assert.equal(postmortem.data.type, "incident_attachments");
  assert.equal(postmortem.data.attributes.attachmentType, "postmortem");
  assert.ok(postmortem.data.attributes.attachment.documentUrl.endsWith("/postmortem"));
  const both = await api.listIncidentAttachments({ incidentId, filterAttachmentType: "postmortem" });
  assert.equal(both.data.length, 1);
  assert.equal(both.data[0].id, postmortem.data.id);
}

// ---------------------------------------------------------------------------
// The OpenAPI document served at /api/v2/openapi.json (made from the route
// table) is a valid OpenAPI 3 document by an independent validator, and lists
// the operations the Datadog client above just used.
async function checkOpenApiDocument(baseUrl) {
  const answer = await fetch(`${baseUrl}/api/v2/openapi.json`);
  assert.equal(answer.status, 200);
  const doc = await answer.json();
  await SwaggerParser.validate(structuredClone(doc));  // throws, naming the problem, if invalid
  assert.equal(doc.openapi, "3.0.3");
  for (const [path, method] of [["/api/v2/incidents", "post"], ["/api/v2/incidents/{incident_id}", "patch"],
                                ["/api/v2/incidents/search", "get"], ["/api/v2/incidents/{incident_id}/relationships/todos", "get"]]) {
    assert.ok(doc.paths[path] && doc.paths[path][method], `${method} ${path} missing from the OpenAPI document`);
  }
  assert.equal(doc.paths["/api/v2/incidents"].post["x-tocsin-scope"], "write");
  assert.deepEqual(doc.paths["/healthz"].get.security, []);
}
