using System.Globalization;
using System.Net;
using System.Text;
using OpsAutomation.Core.Reporting.Charts;

namespace OpsAutomation.Core.Reporting.Site;

/// <summary>
/// One page of the status site, built top to bottom: the health report's look and its content
/// security policy (no script, nothing fetched), a navigation bar to the other pages, and helpers
/// that HTML-encode every value they are given. Only the page's own markup and the charts' SVG are
/// appended unencoded.
/// </summary>
internal sealed class SitePage
{
    private const string Style = """
        :root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1d2128; --muted: #5b6472; --card: #ffffff; --border: #d9dde3; --link: #0969da;
          --healthy: #1a7f37; --degraded: #9a6700; --unhealthy: #cf222e; --unreachable: #8250df; --circuit: #57606a; --badge-fg: #ffffff; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9aa4b0; --card: #161b22; --border: #30363d; --link: #58a6ff;
            --healthy: #3fb950; --degraded: #d29922; --unhealthy: #f85149; --unreachable: #a371f7; --circuit: #8b949e; --badge-fg: #0d1117; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        a { color: var(--link); }
        nav { background: var(--card); border-bottom: 1px solid var(--border); }
        nav ul { max-width: 1200px; margin: 0 auto; padding: 10px 24px; list-style: none; display: flex; flex-wrap: wrap; gap: 18px; }
        nav a[aria-current] { font-weight: 600; color: var(--fg); text-decoration: none; }
        main { max-width: 1200px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 28px 0 12px; }
        h3 { font-size: 15px; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; overflow-wrap: anywhere; }
        .meta { color: var(--muted); margin: 0 0 20px; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; }
        .card { background: var(--card); border: 1px solid var(--border); border-top: 4px solid var(--status, var(--border)); border-radius: 8px; padding: 10px 16px; }
        a.card { color: inherit; text-decoration: none; }
        .card .count { display: block; font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
        .card .label { color: var(--muted); }
        .table { overflow-x: auto; background: var(--card); border: 1px solid var(--border); border-radius: 8px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 8px 12px; border-bottom: 1px solid var(--border); vertical-align: top; overflow-wrap: anywhere; }
        th { color: var(--muted); font-weight: 600; white-space: nowrap; }
        tbody tr:last-child td { border-bottom: none; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .badge { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; color: var(--badge-fg); background: var(--status, var(--circuit)); white-space: nowrap; }
        article, figure, .empty { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 12px 16px; margin: 0 0 12px; }
        article figure { border: none; padding: 0; }
        figcaption { color: var(--muted); margin: 0 0 6px; }
        .empty { border-left: 4px solid var(--degraded); }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 12px; }
        dt { color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        footer { color: var(--muted); font-size: 12px; margin-top: 28px; }
        .s-healthy, .s-succeeded, .s-resolved, .s-passed { --status: var(--healthy); }
        .s-degraded, .s-completedwithrejections, .s-mitigated, .s-rolledback, .s-acknowledged, .s-inconclusive { --status: var(--degraded); }
        .s-unhealthy, .s-failed, .s-triggered { --status: var(--unhealthy); }
        .s-unreachable { --status: var(--unreachable); }
        .s-circuitopen, .s-cancelled, .s-inprogress, .s-running, .s-stopped { --status: var(--circuit); }
        """;

    /// <summary>The pages every page links to, as (file, label).</summary>
    public static readonly IReadOnlyList<(string File, string Label)> Navigation =
        [("index.html", "Overview"), ("health.html", "Health"), ("deployments.html", "Deployments"), ("pipelines.html", "Pipelines")];

    private readonly StringBuilder _html = new(32 * 1024);

    /// <param name="file">The page's file, relative to the site's folder ('/' separated).</param>
    /// <param name="siteTitle">The site's title, shown before the page's heading in the browser's title.</param>
    /// <param name="heading">The page's heading.</param>
    /// <param name="generatedAt">When the site was generated, for the page's meta line.</param>
    public SitePage(string file, string siteTitle, string heading, DateTimeOffset generatedAt)
    {
        var root = string.Concat(Enumerable.Repeat("../", file.Count(c => c == '/')));
        _html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"color-scheme\" content=\"light dark\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
            .Append("<title>").Append(Encode(heading == siteTitle ? siteTitle : $"{heading} - {siteTitle}")).Append("</title>\n")
            .Append("<style>\n").Append(Style).Append('\n').Append(SvgChart.Css).Append("\n</style>\n</head>\n<body>\n<nav aria-label=\"Pages\"><ul>");
        foreach (var (target, label) in Navigation)
        {
            _html.Append("<li><a href=\"").Append(Encode(root + target)).Append('"').Append(target == file ? " aria-current=\"page\"" : "").Append('>')
                .Append(label).Append("</a></li>");
        }
        _html.Append("</ul></nav>\n<main>\n<header>\n<h1>").Append(Encode(heading)).Append("</h1>\n<p class=\"meta\">")
            .Append(heading == siteTitle ? "" : Encode(siteTitle) + " · ").Append("generated ").Append(Encode(Time(generatedAt))).Append("</p>\n</header>\n");
    }

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A link's address to a page of the site: each path segment escaped, then the whole HTML-encoded.</summary>
    public static string Href(string relative, string? anchor = null) =>
        Encode(string.Join('/', relative.Split('/').Select(Uri.EscapeDataString)) + (anchor is null ? "" : "#" + Uri.EscapeDataString(anchor)));

    /// <summary>An id made of letters, digits, '-' and '_' only, unique for distinct texts (a hash marks the texts that had to change).</summary>
    public static string Anchor(string prefix, string text)
    {
        var safe = new string([.. text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
        if (safe == text && safe.Length <= 80) return prefix + safe;
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..10].ToLowerInvariant();
        return $"{prefix}{safe[..Math.Min(safe.Length, 60)]}-{hash}";
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Badge(string status) => $"<span class=\"badge {StatusClass(status)}\">{Encode(status)}</span>";

    /// <summary>The CSS class of a status: "s-" and its ASCII letters in lower case (the status may come from a record, so nothing else passes).</summary>
    public static string StatusClass(string status) => "s-" + new string([.. status.Where(char.IsAsciiLetter).Select(char.ToLowerInvariant)]);

    public SitePage Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    public SitePage Text(string? text)
    {
        _html.Append(Encode(text));
        return this;
    }

    public SitePage Heading(string text, string? id = null)
    {
        _html.Append("<h2").Append(id is null ? "" : $" id=\"{Encode(id)}\"").Append('>').Append(Encode(text)).Append("</h2>\n");
        return this;
    }

    /// <summary>A note that a section has nothing to show yet, and what fills it.</summary>
    public SitePage Empty(string what, string howToFill)
    {
        _html.Append("<p class=\"empty\" data-missing>").Append(Encode(what)).Append(' ').Append(Encode(howToFill)).Append("</p>\n");
        return this;
    }

    /// <summary>A chart in a figure named for tests and readers (<c>data-chart</c>).</summary>
    public SitePage Chart(string kind, string caption, string svg)
    {
        _html.Append("<figure data-chart=\"").Append(Encode(kind)).Append("\">\n<figcaption>").Append(Encode(caption)).Append("</figcaption>\n")
            .Append(svg).Append("\n</figure>\n");
        return this;
    }

    /// <summary>A table; each cell is markup the caller built (encoded values, badges, links).</summary>
    public SitePage Table(string id, IReadOnlyList<string> headings, IEnumerable<IReadOnlyList<string>> rows)
    {
        _html.Append("<div class=\"table\">\n<table id=\"").Append(Encode(id)).Append("\">\n<thead><tr>");
        foreach (var heading in headings) _html.Append("<th>").Append(Encode(heading)).Append("</th>");
        _html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows) _html.Append("<tr>").AppendJoin("", row.Select(cell => $"<td>{cell}</td>")).Append("</tr>\n");
        _html.Append("</tbody>\n</table>\n</div>\n");
        return this;
    }

    /// <summary>Terms and their values, both encoded; a null value leaves its term out.</summary>
    public SitePage Terms(IEnumerable<(string Term, string? Value)> terms)
    {
        _html.Append("<dl>\n");
        foreach (var (term, value) in terms.Where(t => t.Value is not null))
            _html.Append("<dt>").Append(Encode(term)).Append("</dt><dd>").Append(Encode(value)).Append("</dd>\n");
        _html.Append("</dl>\n");
        return this;
    }

    public string Finish()
    {
        _html.Append("<footer>OpsAutomation status site</footer>\n</main>\n</body>\n</html>\n");
        return _html.ToString();
    }
}
