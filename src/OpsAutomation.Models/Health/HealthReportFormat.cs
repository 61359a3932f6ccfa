namespace OpsAutomation.Models.Health;

/// <summary>How a health report is rendered.</summary>
public enum HealthReportFormat
{
    /// <summary>GitHub-flavoured Markdown, for pull requests, wikis and job summaries.</summary>
    Markdown,

    /// <summary>One self-contained HTML page: inline styles, no scripts, nothing fetched.</summary>
    Html,

    /// <summary>JSON with a versioned schema, for machines.</summary>
    Json,
}
