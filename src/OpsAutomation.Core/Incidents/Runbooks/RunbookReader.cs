using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Incidents.Runbooks.Actions;
using OpsAutomation.Models.Deployment;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Runbooks;

/// <summary>
/// Reads a runbook file (psd1, JSON or YAML through the module's configuration reader, so YAML
/// aliases and nesting are bounded): <c>Runbooks = @( @{ Name; Match; Steps; Verify }, ... )</c>, or
/// one runbook at the top level. Every mistake is a <see cref="ConfigurationException"/> naming the
/// file (and line, where the parser gives one), the key path, and the runbook and step:
/// <c>runbooks.psd1, key 'Runbooks[0].Steps[1].Action': runbook 'web', step 2: unknown action 'Restart'; use one of ...</c>.
/// Each step's arguments are bound once at read time (placeholders given stand-in values), so a
/// missing or mistyped argument is found before anything runs.
/// </summary>
public static class RunbookReader
{
    private static readonly string[] TopKeys = ["Runbooks"];
    private static readonly string[] RunbookKeys = ["Name", "Description", "Match", "Steps", "Verify"];
    private static readonly string[] MatchKeys = ["Service", "Severity", "SignalKind", "Fingerprint"];
    private static readonly string[] StepKeys = ["Name", "Action", "Condition", "ContinueOnError", "RateLimit"];
    private static readonly string[] RateLimitKeys = ["Count", "WindowSec"];

    /// <summary>The placeholders a runbook may use in its arguments, besides environment variables.</summary>
    public static readonly IReadOnlyList<string> Placeholders = ["IncidentId", "Service", "Severity", "Fingerprint", "Namespace"];

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="files">The module's configuration reader (psd1 through the module's format).</param>
    /// <param name="bindGate">Binds a Verify section that names its own checks (Uri or Catalog): the deployment validator's health gate reader.</param>
    /// <exception cref="ConfigurationException">The file is missing, unreadable or wrong; the message says where.</exception>
    public static RunbookFile Read(string path, ConfigurationFileReader files, Func<ConfigurationMap, HealthGate> bindGate, string defaultNamespace = "default")
    {
        ArgumentNullException.ThrowIfNull(files);
        var full = Path.GetFullPath(path);
        return Read(files.ReadMap(full), full, Path.GetDirectoryName(full) ?? Environment.CurrentDirectory, bindGate, defaultNamespace);
    }

    /// <summary>Reads a tree already parsed (tests, parameters).</summary>
    public static RunbookFile Read(IReadOnlyDictionary<string, object?> tree, string origin, string baseDirectory, Func<ConfigurationMap, HealthGate> bindGate,
        string defaultNamespace = "default")
    {
        ArgumentNullException.ThrowIfNull(bindGate);
        var root = new ConfigurationMap(tree, origin, "");
        IReadOnlyList<ConfigurationMap> maps;
        if (root.Contains("Runbooks"))
        {
            root.RejectUnknownKeys(TopKeys);
            maps = root.GetMapList("Runbooks");
        }
        else if (root.Contains("Steps") || root.Contains("Name"))
        {
            maps = [root];
        }
        else
        {
            throw new ConfigurationException("no runbooks: give Runbooks = @( @{ Name = ...; Match = @{...}; Steps = @(...) } )", origin, "Runbooks");
        }
        if (maps.Count == 0) throw root.Error("is empty; give at least one runbook", "Runbooks");

        var binding = new RunbookBinding(baseDirectory, defaultNamespace, StandIn);
        var runbooks = new List<Runbook>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var map in maps)
        {
            var runbook = ReadRunbook(map, binding, bindGate);
            if (!names.Add(runbook.Name)) throw map.Error($"two runbooks are named '{runbook.Name}'; give each a name of its own", "Name");
            runbooks.Add(runbook);
        }
        return new RunbookFile(origin, runbooks);
    }

    /// <summary>What a placeholder stands for while the file is checked (the real values come from the incident).</summary>
    private static string? StandIn(string name) => Placeholders.FirstOrDefault(p => p.Equals(name, StringComparison.OrdinalIgnoreCase)) switch
    {
        "IncidentId" => "INC-00000000-0000",
        "Severity" => "Error",
        null => null,
        _ => "placeholder",
    };

    private static Runbook ReadRunbook(ConfigurationMap map, RunbookBinding binding, Func<ConfigurationMap, HealthGate> bindGate)
    {
        map.RejectUnknownKeys(RunbookKeys);
        var name = map.GetRequiredString("Name").Trim();
        try
        {
            var match = ReadMatch(map.GetMap("Match"));
            var stepMaps = map.GetMapList("Steps");
            if (stepMaps.Count == 0) throw map.Error("is required: a list of one or more steps, such as @( @{ Action = 'RestartDeployment'; Deployment = '${Service}' } )", "Steps");
            var steps = new List<RunbookStep>();
            for (var i = 0; i < stepMaps.Count; i++)
            {
                var step = ReadStep(stepMaps[i], i, binding);
                if (steps.Any(s => s.Name.Equals(step.Name, StringComparison.OrdinalIgnoreCase)))
                    throw stepMaps[i].Error($"two steps are named '{step.Name}'; give each a Name of its own", "Name");
                steps.Add(step);
            }
            var (verify, section) = ReadVerify(map.GetMap("Verify"), bindGate);
            return new Runbook { Name = name, Match = match, Steps = steps, Verify = verify, VerifySection = section, Origin = map.Origin, Path = map.Path };
        }
        catch (ConfigurationException ex) when (!Raw(ex).StartsWith("runbook '", StringComparison.Ordinal))
        {
            throw new ConfigurationException($"runbook '{name}': {Raw(ex)}", ex.Origin, ex.Key, ex.Line, ex);
        }
    }

    private static RunbookMatch ReadMatch(ConfigurationMap? map)
    {
        if (map is null) return new RunbookMatch();
        map.RejectUnknownKeys(MatchKeys);
        var kinds = new List<IncidentSignalKind>();
        var kindTexts = map.GetStringList("SignalKind");
        for (var i = 0; i < kindTexts.Count; i++)
        {
            var itemPath = ConfigurationTree.Item(map.KeyPath("SignalKind"), i);
            var item = new ConfigurationMap(new Dictionary<string, object?> { ["v"] = kindTexts[i] }, map.Origin, itemPath, _ => itemPath);
            kinds.Add(item.GetEnum<IncidentSignalKind>("v", "signal kind")!.Value);
        }
        return new RunbookMatch
        {
            Services = map.GetStringList("Service"),
            Severity = map.GetEnum<HealthSeverity>("Severity", "severity"),
            SignalKinds = kinds,
            Fingerprints = map.GetStringList("Fingerprint"),
        };
    }

    private static RunbookStep ReadStep(ConfigurationMap map, int index, RunbookBinding binding)
    {
        var label = map.GetString("Name") is { Length: > 0 } given ? given.Trim() : null;
        try
        {
            var actionName = map.GetRequiredString("Action").Trim();
            var action = RunbookActions.Find(actionName)
                ?? throw map.Error($"unknown action '{actionName}'; use one of {string.Join(", ", RunbookActions.Names)}", "Action");
            map.RejectUnknownKeys([.. StepKeys, .. action.Keys]);
            var name = label ?? $"{index + 1}-{action.Name}";
            // Bound now with stand-ins, so a bad argument is found before any step runs.
            action.Bind(map, binding);
            var rateLimit = action.DefaultRateLimit;
            if (map.GetMap("RateLimit") is { } limit)
            {
                limit.RejectUnknownKeys(RateLimitKeys);
                rateLimit = new RunbookRateLimit(limit.GetInt("Count", 1, 10_000) ?? throw limit.Error("is required: how many runs a window allows", "Count"),
                    TimeSpan.FromSeconds(limit.GetDouble("WindowSec", 1, 90 * 86400) ?? throw limit.Error("is required: the window in seconds, such as 3600", "WindowSec")));
            }
            return new RunbookStep
            {
                Name = name,
                Action = action,
                Arguments = map,
                Condition = map.Contains("Condition") && map.GetValue("Condition") is not null ? RunbookCondition.Parse(map, "Condition") : null,
                ContinueOnError = map.GetBool("ContinueOnError") ?? false,
                RateLimit = rateLimit,
            };
        }
        catch (ConfigurationException ex)
        {
            throw new ConfigurationException($"step {(label is null ? (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : $"'{label}'")}: {Raw(ex)}",
                ex.Origin, ex.Key, ex.Line, ex);
        }
    }

    private static (HealthGate? Gate, ConfigurationMap? Section) ReadVerify(ConfigurationMap? map, Func<ConfigurationMap, HealthGate> bindGate)
    {
        if (map is null) return (null, null);
        map.RejectUnknownKeys(ValidationSpecReader.HealthGateKeys);
        if (map.Contains("Uri") || map.Contains("Catalog")) return (bindGate(map), null);
        // Checked now as far as it can be: the numbers; the checks come from the run's catalog.
        map.GetInt("SuccessCount", 1, 1000);
        map.GetDouble("IntervalSec", 0.001, 86400);
        map.GetDouble("WindowSec", 0.001, 86400);
        map.GetInt("FailureLimit", 0, 1000);
        map.GetBool("FailOnDegraded");
        map.GetStringList("Services");
        map.GetMap("Check");
        return (null, map);
    }

    /// <summary>The message of <paramref name="exception"/> without the "file, key '...': " it was composed with.</summary>
    internal static string Raw(ConfigurationException exception)
    {
        var where = exception.Origin;
        if (exception.Line is { } line) where += $", line {line}";
        if (exception.Key is not null) where += $", key '{exception.Key}'";
        where += ": ";
        return exception.Message.StartsWith(where, StringComparison.Ordinal) ? exception.Message[where.Length..] : exception.Message;
    }
}
