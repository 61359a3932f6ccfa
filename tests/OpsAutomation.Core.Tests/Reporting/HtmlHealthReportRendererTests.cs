using System.Text.RegularExpressions;
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

    [GeneratedRegex("""(src|href)\s*=|url\(|@import|<link|<img|<iframe|<object""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();

    [GeneratedRegex("""<tr data-status="\w+"><td>(?<name>[^<]*)</td>""")]
    private static partial Regex ServiceRow();
}
