using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Reporting;

/// <summary>Picks the renderer of a format.</summary>
public static class HealthReportRenderer
{
    public static string Render(HealthReport report, HealthReportFormat format) => format switch
    {
        HealthReportFormat.Markdown => MarkdownHealthReportRenderer.Render(report),
        HealthReportFormat.Html => HtmlHealthReportRenderer.Render(report),
        HealthReportFormat.Json => JsonHealthReportRenderer.Render(report),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown report format."),
    };
}
