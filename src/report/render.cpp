#include "report/render.hpp"

#include <cstdio>

#include "report/format.hpp"
#include "report/summary.hpp"

namespace cutover::report {
namespace {

std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else out += c;
  }
  return out;
}

// A measured or threshold value, one field per line.
std::string md_value(const nlohmann::json& v, const std::string& unit, const std::string& prefix) {
  std::string s;
  for (const auto& p : value_parts(v, unit)) s += (s.empty() ? "" : "<br>") + md_cell(prefix + p);
  return s;
}

std::string_view icon(status s) {
  switch (s) {
    case status::pass: return "✅";
    case status::fail: return "❌";
    case status::error: return "💥";
    case status::skipped: return "⏭️";
    case status::waived: return "⚠️";
    case status::inconclusive: return "❔";
  }
  return "";
}

}  // namespace

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') out += ' ';
        else out += c;
    }
  }
  return out;
}

std::string render_markdown(const report& r) {
  std::string md;
  std::string decision = r.verdict ? std::string(to_string(r.verdict->decision)) : "no decision (measurements only)";
  md += "## cutover " + r.run.command + ": **" + decision + "**\n\n";
  md += "Stage `" + (r.run.stage.empty() ? std::string("-") : r.run.stage) + "`, profile `" + r.run.profile +
        "`, run `" + r.run.id + "` on `" + r.run.host + "`, " + r.run.started_at + " to " + r.run.finished_at + "\n\n";
  if (r.verdict && !r.verdict->reasons.empty()) {
    for (const auto& reason : r.verdict->reasons) md += "- " + md_cell(reason) + "\n";
    md += "\n";
  }
  // Read first: the headline ratio and what stands in the way of GO.
  if (auto h = find_headline_ratio(r)) {
    md += "**Tunnel / private: " + ratio_with_interval(*h) + "**: `" + h->metric + "` median " + h->a_target + " " +
          human_ns(h->a_median_ns) + " (n=" + std::to_string(h->a_n) + ") / " + h->b_target + " " +
          human_ns(h->b_median_ns) + " (n=" + std::to_string(h->b_n) + ")";
    if (h->criterion)
      md += "; " + std::string(icon(h->criterion->status)) + " `" + h->criterion->id + "` " +
            std::string(to_string(h->criterion->status)) +
            (h->criterion->op.empty() ? "" : " (need " + h->criterion->op + " " + value_text(h->criterion->threshold, "") + ")");
    md += "\n\n";
  }
  const auto blocking = blocking_criteria(r);
  if (!blocking.empty()) {
    md += "**Standing in the way of GO (" + std::to_string(blocking.size()) + "):**\n\n";
    md += "| | criterion | severity | measured | needed |\n|---|---|---|---|---|\n";
    for (const auto* c : blocking)
      md += "| " + std::string(icon(c->status)) + " " + std::string(to_string(c->status)) + " | `" + c->id + "` " +
            md_cell(c->title) + " | " + std::string(to_string(c->severity)) + " | " + md_value(c->measured, c->unit, "") +
            " | " + (c->op.empty() ? std::string("") : md_value(c->threshold, c->unit, c->op + " ")) + " |\n";
    md += "\n";
  }
  if (!r.criteria.empty()) {
    md += "### All criteria\n\n";
    md += "| | criterion | severity | measured | threshold | detail |\n|---|---|---|---|---|---|\n";
    for (const auto& c : r.criteria) {
      md += "| " + std::string(icon(c.status)) + " " + std::string(to_string(c.status)) + " | `" + c.id + "` " +
            md_cell(c.title) + " | " + std::string(to_string(c.severity)) + " | " + md_value(c.measured, c.unit, "") +
            " | " + (c.op.empty() ? std::string("") : md_value(c.threshold, c.unit, c.op + " ")) + " | " +
            md_cell(c.detail + (c.waiver.empty() ? "" : " (waived: " + c.waiver + ")")) + " |\n";
    }
    md += "\n";
  }
  if (!r.measurements.empty()) {
    md += "<details><summary>Latency measurements</summary>\n\n";
    md += "| metric | target | path | n | p50 | p90 | p99 | max | errors |\n|---|---|---|---:|---:|---:|---:|---:|---|\n";
    for (const auto& m : r.measurements) {
      const auto& s = m.summary;
      md += "| `" + m.metric + "` | " + m.target + " | " + m.fingerprint.path + " | " + std::to_string(s.count) + " | " +
            human_ns(static_cast<double>(s.p50_ns)) + " | " + human_ns(static_cast<double>(s.p90_ns)) + " | " +
            (s.claimed(99) ? human_ns(static_cast<double>(s.p99_ns)) : std::string("n/a")) + " | " +
            human_ns(static_cast<double>(s.max_ns)) + " | " + errors_text(s) + " |\n";
    }
    md += "\n</details>\n";
  }
  for (const auto& n : r.notes) md += "\n> " + md_cell(n) + "\n";
  return md;
}

std::string render_junit(const report& r) {
  int failures = 0;
  int errors = 0;
  int skipped = 0;
  double total = 0;
  for (const auto& c : r.criteria) {
    failures += c.status == status::fail || c.status == status::inconclusive;
    errors += c.status == status::error;
    skipped += c.status == status::skipped;
    total += c.duration_s;
  }
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  char head[256];
  std::snprintf(head, sizeof head, "<testsuites name=\"cutover\" tests=\"%zu\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
                r.criteria.size(), failures, errors, skipped, total);
  x += head;
  std::snprintf(head, sizeof head, " tests=\"%zu\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\"",
                r.criteria.size(), failures, errors, skipped, total);
  x += "  <testsuite name=\"cutover." + xml_escape(r.run.stage.empty() ? r.run.command : r.run.stage) + "\"" + head +
       " timestamp=\"" + xml_escape(r.run.started_at) + "\" hostname=\"" + xml_escape(r.run.host) + "\">\n";
  x += "    <properties>\n      <property name=\"decision\" value=\"" +
       xml_escape(r.verdict ? std::string(to_string(r.verdict->decision)) : "none") + "\"/>\n      <property name=\"run_id\" value=\"" +
       xml_escape(r.run.id) + "\"/>\n    </properties>\n";
  for (const auto& c : r.criteria) {
    char t[32];
    std::snprintf(t, sizeof t, "%.3f", c.duration_s);
    x += "    <testcase classname=\"cutover." + xml_escape(std::string(to_string(c.severity))) + "\" name=\"" +
         xml_escape(c.id) + "\" time=\"" + t + "\">\n";
    std::string msg = xml_escape(c.detail);
    switch (c.status) {
      case status::fail:
      case status::inconclusive:
        x += "      <failure type=\"" + std::string(to_string(c.status)) + "\" message=\"" + msg + "\">" + msg + "</failure>\n";
        break;
      case status::error: x += "      <error message=\"" + msg + "\">" + msg + "</error>\n"; break;
      case status::skipped: x += "      <skipped message=\"" + msg + "\"/>\n"; break;
      case status::waived:
        x += "      <system-out>waived: " + xml_escape(c.waiver) + " (" + msg + ")</system-out>\n";
        break;
      case status::pass: x += "      <system-out>" + msg + "</system-out>\n"; break;
    }
    x += "    </testcase>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

}  // namespace cutover::report
