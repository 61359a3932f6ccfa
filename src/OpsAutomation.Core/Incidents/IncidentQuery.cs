using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents;

/// <summary>Which incidents <see cref="IncidentStore.ListAsync"/> returns; every filter given must match, none given matches all.</summary>
public sealed record IncidentQuery
{
    /// <summary>Every incident, newest first.</summary>
    public static IncidentQuery All { get; } = new();

    /// <summary>Ids matching this wildcard (<c>*</c>, <c>?</c>, <c>[a-z]</c>; case-insensitive); null for any.</summary>
    public string? Id { get; init; }

    /// <summary>Only incidents in this state; null for any.</summary>
    public IncidentState? State { get; init; }

    /// <summary>Only incidents of this service (case-insensitive); null for any.</summary>
    public string? Service { get; init; }

    /// <summary>Only incidents opened at or after this time; null for any.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>True: only open incidents (not Resolved); false: only resolved ones; null: both.</summary>
    public bool? Open { get; init; }

    /// <summary>At most this many, newest first; null for no limit.</summary>
    public int? Limit { get; init; }
}
