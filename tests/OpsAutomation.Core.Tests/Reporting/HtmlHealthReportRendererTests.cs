using System.Text.RegularExpressions;
using System.Xml.Linq;
using OpsAutomation.Core.Tests.Reporting.Charts;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Reporting;
using OpsAutomation.Models.Health;
using static OpsAutomation.Core.Tests.Reporting.ReportSamples;

namespace OpsAutomation.Core.Tests.Reporting;

public sealed partial class HtmlHealthReportRendererTests
{
    private static readonly string Html = HtmlHealthReportRenderer.Render(Report());

    [Fact]
    public void Is_a_complete_page_with_charset_viewport_and_both_colour_schemes()
    {
        Assert.StartsWith("<!DOCTYPE html>", Html);
        Assert.Contains("<meta charset=\"utf-8\">", Html);
        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", Html);
        Assert.Contains("@media (prefers-color-scheme: dark)", Html);
        Assert.Contains("<title>Prod health - Unreachable</title>", Html);
        Assert.EndsWith("</html>\n", Html);
    }

    [Fact]
    public void Is_self_contained_without_scripts_or_anything_fetched()
    {
        Assert.DoesNotContain("<script", Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(ExternalReference(), Html);
        Assert.Contains("default-src 'none'", Html);
    }

    [Fact]
    public void A_script_in_an_error_is_encoded_as_text()
    {
        Assert.Contains("HTTP 500 &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more", Html);
    }

    [Fact]
    public void Names_targets_owners_and_details_are_encoded()
    {
        var result = Result("<b>svc</b>", HealthStatus.Unhealthy) with
        {
            Target = "http://x/?a=1&b=\"2\"",
            Owner = "<i>me</i>",
            Details = new Dictionary<string, object?> { ["<k>"] = "<v>" },
        };
        var html = HtmlHealthReportRenderer.Render(HealthReportBuilder.Build("<title>", Now, [result]));
        Assert.DoesNotContain("<b>", html);
        Assert.DoesNotContain("<i>", html);
        Assert.DoesNotContain("<k>", html);
        Assert.DoesNotContain("<v>", html);
        Assert.Contains("&lt;b&gt;svc&lt;/b&gt;", html);
        Assert.Contains("http://x/?a=1&amp;b=&quot;2&quot;", html);
        Assert.Contains("<h1>&lt;title&gt;</h1>", html);
    }

    [Fact]
    public void Has_a_row_per_service_worst_first_with_a_status_badge()
    {
        var services = Html[Html.IndexOf("<table id=\"services\">", StringComparison.Ordinal)..];
        services = services[..services.IndexOf("</table>", StringComparison.Ordinal)];
        var names = ServiceRow().Matches(services).Select(m => m.Groups["name"].Value);
        Assert.Equal(WorstFirst, names);
        Assert.Contains("<tr data-status=\"Unreachable\"><td>db</td><td>Tcp</td><td><span class=\"badge s-unreachable\">Unreachable</span></td>", services);
    }

    [Fact]
    public void Has_summary_cards_with_the_counts()
    {
        Assert.Contains("<div class=\"card\"><span class=\"count\">6</span><span class=\"label\">Services</span></div>", Html);
        Assert.Contains("<div class=\"card s-healthy\"><span class=\"count\">2</span><span class=\"label\">Healthy</span></div>", Html);
        Assert.Contains("<div class=\"card s-circuitopen\"><span class=\"count\">1</span><span class=\"label\">Circuit open</span></div>", Html);
    }

    [Fact]
    public void Details_failures_and_trends()
    {
        Assert.Equal(4, Regex.Count(Html, "<article class=\"failure "));
        Assert.Contains("<dt>Next probe</dt><dd>2025-03-14 09:31:53 UTC</dd>", Html);
        Assert.Contains("<dt>ContentType</dt><dd>text/html</dd>", Html);
        Assert.Contains("<table id=\"trends\">", Html);
        Assert.Contains("<td>api</td><td class=\"num\">99.875</td><td class=\"num\">1440</td>", Html);
    }

    [Fact]
    public void Trends_draw_a_status_lane_per_service_in_the_table_s_order()
    {
        var timeline = Svg(Html, "status-timeline");

        Assert.Equal(["api", "web"], timeline.WithClass("lane").Select(l => (string?)l.Attribute("data-label")));
        var api = timeline.WithClass("lane").First().WithClass("segment").ToList();
        Assert.Equal(96, api.Count);
        Assert.Equal("mark segment st-unreachable", (string?)api[0].Attribute("class"));
        Assert.Equal("api, 2025-03-13 09:26:53 UTC to 2025-03-13 09:41:53 UTC: 2 checks, 1 failed, worst Unreachable", api[0].TitleOf());
    }

    [Fact]
    public void A_status_holds_until_the_next_check_but_not_across_a_longer_gap()
    {
        // Checks every minute in 30 s buckets for 10 minutes, nothing for 30 minutes, then 5 more.
        var from = Now.AddHours(-1);
        var minutes = Enumerable.Range(0, 10).Concat(Enumerable.Range(40, 5));
        var series = HealthTrendBuckets.Bucketize("svc", minutes.Select(m => Result("svc", HealthStatus.Healthy) with { Timestamp = from.AddMinutes(m) }), from, Now, null);
        var html = HtmlHealthReportRenderer.Render(Report() with { TrendSeries = [series] });

        var segments = Svg(html, "status-timeline").WithClass("segment").Select(s => (X: s.Number("x"), End: s.Number("x") + s.Number("width"))).ToList();
        Assert.Equal(15, segments.Count);
        for (var i = 0; i < 9; i++) Assert.Equal(segments[i + 1].X, segments[i].End, 1);
        Assert.True(segments[10].X - segments[9].End > 100, "the half hour without checks stays blank");
    }

    [Fact]
    public void Each_service_has_a_percentile_chart_and_a_budget_chart_against_the_slo()
    {
        var latency = Svg(Html, "latency-1");
        Assert.Equal("api: response time p50, p95 and p99 in ms", (string?)latency.Attribute("aria-label"));
        Assert.Equal(["p50", "p95", "p99"], latency.WithClass("series").Where(g => g.Attribute("data-name") is not null).Select(g => (string?)g.Attribute("data-name")));
        Assert.NotNull(Svg(Html, "latency-2"));

        var budget = Svg(Html, "budget-1");
        Assert.Equal("api: error budget left in % against the SLO of 99.9%", (string?)budget.Attribute("aria-label"));
        Assert.Equal(97, budget.WithClass("point").Count());
        Assert.Single(budget.WithClass("threshold"));
    }

    [Fact]
    public void Without_an_slo_there_is_no_budget_chart_and_without_trends_no_chart()
    {
        var noSlo = HtmlHealthReportRenderer.Render(Report() with { SloTargetPercent = null });
        Assert.Contains("id=\"latency-1\"", noSlo, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"budget-", noSlo, StringComparison.Ordinal);
        Assert.DoesNotContain("<svg", HtmlHealthReportRenderer.Render(Report(withTrends: false)), StringComparison.Ordinal);
    }

    [Fact]
    public void Charts_are_capped_and_the_page_says_so()
    {
        var many = Enumerable.Range(0, HtmlHealthReportRenderer.MaxServiceCharts + 2).Select(i => History("svc" + i, 0)).ToList();
        var html = HtmlHealthReportRenderer.Render(Report() with { TrendSeries = many });

        Assert.Equal(HtmlHealthReportRenderer.MaxServiceCharts, Regex.Count(html, "id=\"latency-"));
        Assert.Contains($"Charts of the {HtmlHealthReportRenderer.MaxServiceCharts} least available services; the trends table has all {many.Count}.", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hostile_service_name_stays_text_in_the_charts()
    {
        var html = HtmlHealthReportRenderer.Render(Report() with { TrendSeries = [History("<script>alert(1)</script>", 2)] });

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("<script>alert(1)</script>", (string?)Svg(html, "status-timeline").WithClass("lane").Single().Attribute("data-label"));
    }

    /// <summary>One chart of the page, parsed as XML (which also proves it well-formed).</summary>
    private static XElement Svg(string html, string id)
    {
        var start = html.IndexOf($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-", StringComparison.Ordinal);
        for (; start >= 0; start = html.IndexOf("<svg ", start + 1, StringComparison.Ordinal))
        {
            var end = html.IndexOf("</svg>", start, StringComparison.Ordinal) + "</svg>".Length;
            var svg = XElement.Parse(html[start..end]);
            if ((string?)svg.Attribute("id") == id) return svg;
        }
        throw new InvalidOperationException($"No chart {id} in the page.");
    }

    [GeneratedRegex("""(src|href)\s*=|url\(|@import|<link|<img|<iframe|<object""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();

    [GeneratedRegex("""<tr data-status="\w+"><td>(?<name>[^<]*)</td>""")]
    private static partial Regex ServiceRow();
}
