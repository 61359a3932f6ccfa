using System.Text.RegularExpressions;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health.Kubernetes;

/// <summary>
/// The name a KubernetesWorkload check gives each of its results, <c>&lt;service&gt;/&lt;kind&gt;/&lt;name&gt;</c>
/// (kind deployment, statefulset or daemonset), read back: an incident opened from such a result
/// carries it as its service, while the catalog, a runbook's Verify and the diagnostics know the
/// catalog's service and the workload apart.
/// </summary>
public static partial class WorkloadResultName
{
    [GeneratedRegex("^(?<service>[^/]+)/(?<kind>deployment|statefulset|daemonset)/(?<name>[^/]+)$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Pattern();

    /// <summary>Splits a result name of a KubernetesWorkload check into the catalog's service, the workload kind and the workload's name.</summary>
    /// <param name="resultName">A health result's name, or the service of an incident opened from one.</param>
    /// <param name="service">The catalog's service (the KubernetesWorkload entry's Name).</param>
    /// <param name="kind">deployment, statefulset or daemonset.</param>
    /// <param name="workload">The workload's name in its namespace.</param>
    /// <returns>Whether the name has that form.</returns>
    public static bool TryParse(string resultName, out string service, out string kind, out string workload)
    {
        ArgumentNullException.ThrowIfNull(resultName);
        var match = Pattern().Match(resultName);
        service = match.Success ? match.Groups["service"].Value : resultName;
        kind = match.Success ? match.Groups["kind"].Value : "";
        workload = match.Success ? match.Groups["name"].Value : "";
        return match.Success;
    }

    /// <summary>
    /// The catalog entry of <paramref name="service"/> (an incident's service): the entry of that name,
    /// else, for a KubernetesWorkload result's name, that check's entry and the workload it named.
    /// </summary>
    public static (HealthCheckDefinition? Definition, string? Workload) FindEntry(IEnumerable<HealthCheckDefinition> definitions, string service)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var all = definitions as IReadOnlyCollection<HealthCheckDefinition> ?? [.. definitions];
        if (all.FirstOrDefault(d => d.Name.Equals(service, StringComparison.OrdinalIgnoreCase)) is { } named) return (named, null);
        if (!TryParse(service, out var catalogService, out _, out var workload)) return (null, null);
        var entry = all.FirstOrDefault(d => d.Kind == HealthCheckKind.KubernetesWorkload && d.Name.Equals(catalogService, StringComparison.OrdinalIgnoreCase));
        return entry is null ? (null, null) : (entry, workload);
    }
}
