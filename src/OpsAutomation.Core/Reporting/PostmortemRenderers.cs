using System.Net;
using System.Text;
using OpsAutomation.Core.Incidents.Diagnostics;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Reporting;

/// <summary>A post-mortem draft as Markdown: every value escaped, so titles and messages from signals stay text.</summary>
public static class MarkdownPostmortemRenderer
{
    public static string Render(PostmortemDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var md = new StringBuilder(16 * 1024);
        md.Append("# ").Append(Escape(draft.Title)).Append("\n\n");
        foreach (var (term, value) in draft.Header) md.Append("- **").Append(Escape(term)).Append(":** ").Append(Escape(value)).Append('\n');
        md.Append('\n');
        foreach (var section in draft.Sections)
        {
            md.Append("## ").Append(Escape(section.Heading)).Append("\n\n");
            foreach (var block in section.Blocks)
            {
                switch (block)
                {
                    case PostmortemParagraph { Prompt: true } prompt:
                        md.Append("> _To fill in:_ ").Append(Escape(prompt.Text)).Append("\n\n");
                        break;
                    case PostmortemParagraph paragraph:
                        md.Append(Escape(paragraph.Text)).Append("\n\n");
                        break;
                    case PostmortemSubheading sub:
                        md.Append("### ").Append(Escape(sub.Text)).Append("\n\n");
                        break;
                    case PostmortemList list:
                        foreach (var item in list.Items) md.Append("- ").Append(Escape(item)).Append('\n');
                        md.Append('\n');
                        break;
                    case PostmortemTable table:
                        md.Append("| ").AppendJoin(" | ", table.Headings.Select(Escape)).Append(" |\n|").Append(string.Concat(Enumerable.Repeat(" --- |", table.Headings.Count))).Append('\n');
                        foreach (var row in table.Rows) md.Append("| ").AppendJoin(" | ", row.Select(Escape)).Append(" |\n");
                        md.Append('\n');
                        break;
                }
            }
        }
        return md.ToString().TrimEnd('\n') + "\n";
    }

    private static string Escape(string? text) => MarkdownHealthReportRenderer.Escape(text);
}

/// <summary>
/// A post-mortem draft as one self-contained HTML page, with the health report's conventions:
/// inline CSS, no script, nothing fetched, a content security policy that forbids both, and every
/// value HTML-encoded (an incident title holding markup renders as text).
/// </summary>
public static class HtmlPostmortemRenderer
{
    private const string Style = """
        :root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1d2128; --muted: #5b6472; --card: #ffffff; --border: #d9dde3; --prompt: #9a6700; }
        @media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9aa4b0; --card: #161b22; --border: #30363d; --prompt: #d29922; } }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1000px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 24px; margin: 0 0 12px; }
        h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--border); padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 16px 0 8px; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 12px 16px; }
        dt { color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; }
        p, li { overflow-wrap: anywhere; }
        .prompt { color: var(--prompt); font-style: italic; border-left: 3px solid var(--prompt); padding-left: 10px; }
        .table { overflow-x: auto; background: var(--card); border: 1px solid var(--border); border-radius: 8px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 6px 12px; border-bottom: 1px solid var(--border); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; white-space: nowrap; }
        td:first-child { white-space: nowrap; }
        tbody tr:last-child td { border-bottom: none; }
        footer { color: var(--muted); font-size: 12px; margin-top: 28px; }
        """;

    private const string FigureStyle = """
        figure { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 12px 16px; margin: 16px 0; }
        figcaption { color: var(--muted); margin: 0 0 6px; }
        """;

    public static string Render(PostmortemDraft draft) => Render(draft, null);

    /// <summary>
    /// The draft with <paramref name="figures"/> after its header: markup the caller built and encoded
    /// itself (the status site's links and the timeline chart), with the charts' style added.
    /// </summary>
    public static string Render(PostmortemDraft draft, string? figures)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"color-scheme\" content=\"light dark\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
            .Append("<title>").Append(Encode(draft.Title)).Append("</title>\n<style>\n").Append(Style)
            .Append(figures is null ? "" : "\n" + FigureStyle + "\n" + Charts.SvgChart.Css).Append("\n</style>\n</head>\n<body>\n<main>\n");
        html.Append("<header>\n<h1>").Append(Encode(draft.Title)).Append("</h1>\n<dl>\n");
        foreach (var (term, value) in draft.Header) html.Append("<dt>").Append(Encode(term)).Append("</dt><dd>").Append(Encode(value)).Append("</dd>\n");
        html.Append("</dl>\n</header>\n").Append(figures);
        foreach (var section in draft.Sections)
        {
            html.Append("<section id=\"").Append(Id(section.Heading)).Append("\">\n<h2>").Append(Encode(section.Heading)).Append("</h2>\n");
            foreach (var block in section.Blocks)
            {
                switch (block)
                {
                    case PostmortemParagraph { Prompt: true } prompt:
                        html.Append("<p class=\"prompt\">To fill in: ").Append(Encode(prompt.Text)).Append("</p>\n");
                        break;
                    case PostmortemParagraph paragraph:
                        html.Append("<p>").Append(Encode(paragraph.Text)).Append("</p>\n");
                        break;
                    case PostmortemSubheading sub:
                        html.Append("<h3>").Append(Encode(sub.Text)).Append("</h3>\n");
                        break;
                    case PostmortemList list:
                        html.Append("<ul>\n");
                        foreach (var item in list.Items) html.Append("<li>").Append(Encode(item)).Append("</li>\n");
                        html.Append("</ul>\n");
                        break;
                    case PostmortemTable table:
                        html.Append("<div class=\"table\">\n<table>\n<thead><tr>");
                        foreach (var heading in table.Headings) html.Append("<th>").Append(Encode(heading)).Append("</th>");
                        html.Append("</tr></thead>\n<tbody>\n");
                        foreach (var row in table.Rows)
                        {
                            html.Append("<tr>");
                            foreach (var cell in row) html.Append("<td>").Append(Encode(cell)).Append("</td>");
                            html.Append("</tr>\n");
                        }
                        html.Append("</tbody>\n</table>\n</div>\n");
                        break;
                }
            }
            html.Append("</section>\n");
        }
        html.Append("<footer>OpsAutomation post-mortem draft</footer>\n</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A section's anchor: its heading in lower-case letters and dashes (headings are the builder's own words).</summary>
    private static string Id(string heading) => new([.. heading.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
}

/// <summary>Writes an incident's post-mortem draft, each form atomically, as postmortem-&lt;id&gt;.md and .html in a folder.</summary>
public static class PostmortemWriter
{
    public static async Task<IReadOnlyList<IncidentPostmortem>> WriteAsync(Incident incident, string outputDirectory, IReadOnlyCollection<PostmortemFormat> formats,
        IReadOnlyList<string>? authors, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(formats);
        ArgumentNullException.ThrowIfNull(time);
        var folder = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(folder);
        var draft = PostmortemBuilder.Build(incident, authors, time.GetUtcNow());
        var stem = "postmortem-" + DiagnosticsBundle.SafeName(incident.Id);
        var written = new List<IncidentPostmortem>();
        foreach (var format in formats.Distinct().Order())
        {
            var (text, extension) = format == PostmortemFormat.Html
                ? (HtmlPostmortemRenderer.Render(draft), ".html")
                : (MarkdownPostmortemRenderer.Render(draft), ".md");
            var path = Path.Combine(folder, stem + extension);
            await AtomicTextFile.WriteAsync(path, text, cancellationToken).ConfigureAwait(false);
            written.Add(new IncidentPostmortem
            {
                IncidentId = incident.Id, Title = incident.Title, Format = format, Path = path, Bytes = new FileInfo(path).Length, Timestamp = time.GetUtcNow(),
            });
        }
        return written;
    }
}
