namespace OpsAutomation.Models.Pipelines;

/// <summary>One rule that one record broke, with where the record came from.</summary>
/// <remarks>
/// Typed so failures can be filtered and piped on
/// (<c>... | Where-Object Rule -eq 'unique' | Group-Object Field</c>).
/// </remarks>
public sealed record ValidationFailure
{
    /// <summary>The pipeline run the record belongs to; null until a run stamps it.</summary>
    public string? RunId { get; init; }

    /// <summary>The 1-based ordinal of the record in its source.</summary>
    public required long Position { get; init; }

    /// <summary>Where the record came from, such as "orders.csv:17".</summary>
    public required string Location { get; init; }

    /// <summary>The field the rule is about; null for a rule about the whole record.</summary>
    public string? Field { get; init; }

    /// <summary>
    /// The rule: type, required, nullable, unique, range, length, pattern, allowed, expression, or
    /// "schema:" and the JSON Schema keyword that failed (schema:required, schema:minimum).
    /// </summary>
    public required string Rule { get; init; }

    /// <summary>The offending value as text (at most 200 characters); null when the value was missing.</summary>
    public string? Value { get; init; }

    /// <summary>What is wrong, for people.</summary>
    public required string Message { get; init; }
}
