using System.Globalization;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Deployment.Validation;

/// <summary>
/// Binds the Validation section of a deployment spec (psd1, JSON or YAML), or the same keys
/// given as parameters, into gates. Every bad value is a <see cref="ConfigurationException"/>
/// that names the file or parameter and the key path, such as MetricGates[1].Threshold.
/// </summary>
/// <param name="baseDirectory">Where a relative Catalog is found: the spec's folder; null for the current directory.</param>
public sealed partial class ValidationSpecReader(ConfigurationFileReader files, OpsSettings settings, string? baseDirectory = null,
    Func<string, string?>? environment = null)
{
    public static readonly IReadOnlyList<string> SectionKeys = ["PrometheusUri", "HealthGates", "MetricGates"];

    public static readonly IReadOnlyList<string> HealthGateKeys =
        ["Name", "Uri", "Catalog", "Services", "Check", "SuccessCount", "IntervalSec", "WindowSec", "FailureLimit", "FailOnDegraded"];

    public static readonly IReadOnlyList<string> MetricGateKeys =
        ["Name", "Query", "Threshold", "IntervalSec", "Count", "FailureLimit", "InconclusiveLimit", "ErrorLimit", "NoData", "Reduce"];

    /// <summary>The whole section: PrometheusUri, HealthGates and MetricGates.</summary>
    /// <param name="prometheus">A Prometheus given on the command line: it wins over the section's PrometheusUri.</param>
    public ValidationPlan Read(ConfigurationMap section, Uri? prometheus = null)
    {
        section.RejectUnknownKeys(SectionKeys);
        var healthGates = section.GetMapList("HealthGates").Select((g, i) => ReadHealthGate(g, i == 0 ? "health" : $"health-{i + 1}")).ToList();
        var metricGates = section.GetMapList("MetricGates").Select(ReadMetricGate).ToList();
        return Plan(healthGates, metricGates, prometheus ?? ReadPrometheusUri(section, "PrometheusUri"), section, "HealthGates");
    }

    /// <summary>
    /// The plan of gates read one by one (the cmdlet's parameters): at least one gate, names
    /// unique, and a Prometheus when there are metric gates. <paramref name="where"/> and
    /// <paramref name="gatesKey"/> name the place an error points at.
    /// </summary>
    public static ValidationPlan Plan(IReadOnlyList<HealthGate> healthGates, IReadOnlyList<MetricGate> metricGates, Uri? prometheus, ConfigurationMap where,
        string gatesKey)
    {
        if (healthGates.Count + metricGates.Count == 0)
            throw where.Error("no gates: give HealthGates (Uri, Catalog) or MetricGates (Name, Query, Threshold)", gatesKey);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in healthGates.Select(g => g.Name).Concat(metricGates.Select(g => g.Name)))
        {
            if (!seen.Add(name)) throw where.Error($"two gates are named '{name}'; give each a Name of its own", gatesKey);
        }
        if (metricGates.Count > 0 && prometheus is null)
            throw where.Error($"metric gates ({string.Join(", ", metricGates.Select(g => g.Name))}) need the Prometheus to query: give PrometheusUri", "PrometheusUri");
        return new ValidationPlan { HealthGates = healthGates, MetricGates = metricGates, PrometheusUri = prometheus };
    }

    /// <summary>An absolute http(s) URL at <paramref name="key"/>, or null when absent.</summary>
    public static Uri? ReadPrometheusUri(ConfigurationMap map, string key)
    {
        var text = map.GetString(key);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw map.Error($"'{text}' is not an absolute http(s) URL", key);
    }

    /// <summary>
    /// A health gate: its checks from Uri (one or a list, such as the deployed Service's URL) and
    /// from a Catalog's Services (names, wildcards allowed), each bound by the health engine's own
    /// binder with the Check map's keys (TimeoutSec, ExpectedStatusCode, ...) over every entry.
    /// </summary>
    public HealthGate ReadHealthGate(ConfigurationMap gate, string defaultName)
    {
        gate.RejectUnknownKeys(HealthGateKeys);
        var check = gate.GetMap("Check");
        var checks = new List<HealthCheckDefinition>();
        foreach (var uri in gate.GetStringList("Uri"))
        {
            var entry = ConfigurationTree.NewMap();
            entry["Uri"] = uri;
            checks.Add(HealthCheckDefinitionBinder.Bind(new ConfigurationMap(entry, gate.Origin, gate.Path, gate.KeyPath), check, settings, environment));
        }
        if (gate.GetString("Catalog") is { Length: > 0 } catalogPath)
            checks.AddRange(CatalogChecks(gate, catalogPath, check));
        else if (gate.Contains("Services"))
            throw gate.Error("Services selects from a Catalog: give Catalog too", "Services");
        if (checks.Count == 0)
            throw gate.Error("a health gate needs checks: give Uri (such as the Service's URL) or Catalog", "Uri");
        var duplicate = checks.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw gate.Error($"the check '{duplicate.Key}' appears twice", "Uri");

        var name = gate.GetString("Name") is { Length: > 0 } given ? given.Trim() : defaultName;
        var successCount = gate.GetInt("SuccessCount", 1, 1000) ?? 3;
        var interval = Seconds(gate, "IntervalSec", 10);
        var window = Seconds(gate, "WindowSec", 300);
        if (interval * (successCount - 1) > window)
        {
            throw gate.Error($"{Text(window.TotalSeconds)} s cannot hold {successCount} rounds {Text(interval.TotalSeconds)} s apart, so the gate could never pass; " +
                "make WindowSec at least IntervalSec x (SuccessCount - 1)", "WindowSec");
        }
        return new HealthGate
        {
            Name = name,
            Checks = checks,
            SuccessCount = successCount,
            Interval = interval,
            Window = window,
            FailureLimit = gate.GetInt("FailureLimit", 0, 1000) ?? 0,
            FailOnDegraded = gate.GetBool("FailOnDegraded") ?? false,
        };
    }

    /// <summary>A metric gate: Name, Query and Threshold (an operator and a number, such as '&lt; 0.05') required.</summary>
    public static MetricGate ReadMetricGate(ConfigurationMap gate)
    {
        gate.RejectUnknownKeys(MetricGateKeys);
        var (comparison, threshold) = ReadCondition(gate, "Threshold");
        var count = gate.GetInt("Count", 1, 10000) ?? 5;
        var failureLimit = gate.GetInt("FailureLimit", 0, 10000) ?? 0;
        var errorLimit = gate.GetInt("ErrorLimit", 0, 10000) ?? 0;
        // A limit that tolerates every evaluation would let the gate pass without one good value.
        if (failureLimit >= count)
            throw gate.Error($"{failureLimit} tolerates all {count} evaluations, so the gate could never fail; make it less than Count", "FailureLimit");
        if (errorLimit >= count)
            throw gate.Error($"{errorLimit} tolerates all {count} evaluations, so the gate could pass without one; make it less than Count", "ErrorLimit");
        return new MetricGate
        {
            Name = gate.GetRequiredString("Name").Trim(),
            Query = gate.GetRequiredString("Query"),
            Comparison = comparison,
            Threshold = threshold,
            Interval = Seconds(gate, "IntervalSec", 30),
            Count = count,
            FailureLimit = failureLimit,
            InconclusiveLimit = gate.GetInt("InconclusiveLimit", 0, 10000) ?? 0,
            ErrorLimit = errorLimit,
            NoData = gate.GetEnum<NoDataPolicy>("NoData", "NoData policy") ?? NoDataPolicy.Fail,
            Reduce = gate.GetEnum<SeriesReduction>("Reduce", "reduction") ?? SeriesReduction.None,
        };
    }

    /// <summary>'&lt; 0.05', '&lt;=0.5', '&gt; 100', '&gt;= 0.99'.</summary>
    public static (GateComparison Comparison, double Threshold) ReadCondition(ConfigurationMap map, string key)
    {
        var text = map.GetRequiredString(key);
        var match = ConditionPattern().Match(text);
        if (!match.Success || !double.TryParse(match.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold) || !double.IsFinite(threshold))
            throw map.Error($"'{text}' is not a condition; write an operator (<, <=, >, >=) and a number, such as '< 0.05'", key);
        var comparison = match.Groups[1].Value switch
        {
            "<" => GateComparison.LessThan,
            "<=" => GateComparison.LessThanOrEqual,
            ">" => GateComparison.GreaterThan,
            _ => GateComparison.GreaterThanOrEqual,
        };
        return (comparison, threshold);
    }

    private IEnumerable<HealthCheckDefinition> CatalogChecks(ConfigurationMap gate, string catalogPath, ConfigurationMap? check)
    {
        var path = baseDirectory is null ? Path.GetFullPath(catalogPath) : Path.GetFullPath(catalogPath, baseDirectory);
        var all = HealthCatalog.Read(path, files).Bind(check, settings, environment);
        var patterns = gate.GetStringList("Services");
        if (patterns.Count == 0) return all;
        var selected = new List<HealthCheckDefinition>();
        foreach (var pattern in patterns)
        {
            var glob = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            var matches = all.Where(d => glob.IsMatch(d.Name)).ToList();
            if (matches.Count == 0)
                throw gate.Error($"no service of '{catalogPath}' matches '{pattern}'; it has {string.Join(", ", all.Select(d => d.Name))}", "Services");
            selected.AddRange(matches.Where(m => !selected.Contains(m)));
        }
        return selected;
    }

    private static TimeSpan Seconds(ConfigurationMap map, string key, double fallback) =>
        TimeSpan.FromSeconds(map.GetDouble(key, 0.001, 86400) ?? fallback);

    private static string Text(double number) => number.ToString("0.###", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\s*(<=|>=|<|>)\s*(\S+)\s*$")]
    private static partial Regex ConditionPattern();
}
