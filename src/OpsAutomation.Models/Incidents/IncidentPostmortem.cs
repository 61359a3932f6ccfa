namespace OpsAutomation.Models.Incidents;

/// <summary>The forms a post-mortem draft is written in.</summary>
public enum PostmortemFormat
{
    /// <summary>Markdown, for a wiki or a pull request.</summary>
    Markdown,

    /// <summary>One self-contained HTML page (no script, nothing fetched).</summary>
    Html,
}

/// <summary>One file of a post-mortem draft that Export-IncidentPostmortem wrote.</summary>
public sealed record IncidentPostmortem
{
    /// <summary>The incident it documents.</summary>
    public required string IncidentId { get; init; }

    /// <summary>The incident's title.</summary>
    public required string Title { get; init; }

    /// <summary>The form of the file.</summary>
    public required PostmortemFormat Format { get; init; }

    /// <summary>The file written, as a full path.</summary>
    public required string Path { get; init; }

    /// <summary>Its size in bytes.</summary>
    public long Bytes { get; init; }

    /// <summary>When it was written.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <inheritdoc />
    public override string ToString() => Path;
}
