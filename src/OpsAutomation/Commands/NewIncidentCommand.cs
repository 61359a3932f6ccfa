using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.State;
using OpsAutomation.Incidents;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Commands;

/// <summary>
/// Opens incidents from what other cmdlets emit (unhealthy health results, firing alerts, failed
/// deployments and pipeline runs, anomalies), or by hand. The signals of one run are correlated
/// together at its end: they join the open incident of their fingerprint, reopen one resolved
/// recently, join the incident of a service they depend on, or open one; incidents whose signals
/// stayed clear for -ClearRunsToResolve runs resolve. Writes each incident it touched.
/// </summary>
[Cmdlet(VerbsCommon.New, "Incident", HelpUri = "docs/New-Incident.md", SupportsShouldProcess = true, DefaultParameterSetName = InputSet)]
[OutputType(typeof(Incident))]
public sealed class NewIncidentCommand : IncidentCommand
{
    private const string InputSet = "InputObject";
    private const string ManualSet = "Manual";
    private readonly List<IncidentSignal> _signals = [];
    private int _inputs;

    /// <summary>
    /// A HealthCheckResult, HealthAlert, RuleAlert, DeploymentResult, PipelineRun or MetricAnomaly
    /// (or an object with their properties, such as one read back with Import-Clixml).
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [AllowNull]
    public PSObject?[] InputObject { get; set; } = [];

    /// <summary>Opens an incident by hand with this title.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ManualSet)]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "";

    /// <summary>The service the incident opened by hand is about.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ManualSet)]
    [ValidateNotNullOrEmpty]
    public string Service { get; set; } = "";

    /// <summary>How bad the incident opened by hand is. Default Warning.</summary>
    [Parameter(ParameterSetName = ManualSet)]
    public HealthSeverity Severity { get; set; } = HealthSeverity.Warning;

    /// <summary>A service catalog whose DependsOn entries correlate the failures of services that depend on each other.</summary>
    [Parameter]
    [Alias("Path")]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    /// <summary>Consecutive runs with every signal of an incident clear after which it resolves (1 to 1000). Default 3.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int ClearRunsToResolve { get; set; } = 3;

    /// <summary>A fingerprint firing again this long after its incident resolved reopens it instead of opening another. Default 1 hour; 0 never reopens.</summary>
    [Parameter]
    public TimeSpan ReopenWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A failure of a service joins the incident of a service it depends on when that opened at most this long ago. Default 10 minutes; 0 turns it off.</summary>
    [Parameter]
    public TimeSpan CorrelationWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Deployments of the service started at most this long before an incident opens are named as suspects. Default 30 minutes; 0 turns it off.</summary>
    [Parameter]
    public TimeSpan SuspectWindow { get; set; } = TimeSpan.FromMinutes(30);

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName != InputSet) return;
        foreach (var input in InputObject)
        {
            var position = ++_inputs;
            if (input is null) continue;
            try
            {
                var signal = input.BaseObject is PSCustomObject || input.BaseObject is IDictionary
                    ? SignalReader.FromProperties(await OnPipelineThreadAsync(() => Properties(input)).ConfigureAwait(false), $"pipeline input {position}")
                    : SignalReader.Read(input.BaseObject);
                if (signal is null)
                {
                    WriteVerbose($"Input {position} ({input.BaseObject}) carries no signal yet (pending, running or in progress).");
                    continue;
                }
                _signals.Add(signal);
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "IncidentInputInvalid", ErrorCategory.InvalidArgument, input));
            }
        }
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        if (ParameterSetName == ManualSet)
            _signals.Add(SignalReader.Manual(Title, Service, Severity, runtime.Time.GetUtcNow()));
        if (_signals.Count == 0)
        {
            WriteVerbose("No signals: no incident opened, joined or resolved.");
            return;
        }

        var options = new IncidentCorrelationOptions
        {
            ClearRunsToResolve = ClearRunsToResolve,
            ReopenWindow = Window(ReopenWindow, nameof(ReopenWindow)),
            CorrelationWindow = Window(CorrelationWindow, nameof(CorrelationWindow)),
            SuspectWindow = Window(SuspectWindow, nameof(SuspectWindow)),
            Dependencies = CatalogPath is null ? new Dictionary<string, IReadOnlyList<string>>() : Dependencies(CatalogPath),
            Actor = $"New-Incident ({Actor})",
        };
        var fingerprints = _signals.Select(s => s.Fingerprint).Distinct(StringComparer.Ordinal).ToList();
        var target = fingerprints.Count <= 3
            ? string.Join(", ", fingerprints)
            : $"{string.Join(", ", fingerprints.Take(3))} and {fingerprints.Count - 3} more";
        WriteDebug($"New-Incident: {_signals.Count} signals, {fingerprints.Count} fingerprints, ClearRunsToResolve {ClearRunsToResolve}, ReopenWindow {ReopenWindow}, CorrelationWindow {CorrelationWindow}");
        if (!await ShouldProcessAsync(target, $"Open, join or resolve incidents from {_signals.Count} signal(s)").ConfigureAwait(false)) return;

        var store = await OpenIncidentsAsync(cancellationToken).ConfigureAwait(false);
        var correlator = new IncidentCorrelator(store, options, new DeploymentRecordStore(store.State, runtime.Time));
        IReadOnlyList<IncidentOutcome> outcomes;
        try
        {
            outcomes = await correlator.CorrelateAsync(_signals, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.StateStoreFailure(ex));
        }
        foreach (var outcome in outcomes)
        {
            WriteVerbose($"{outcome.Action} {outcome.Incident.Id} [{outcome.Incident.State}] {outcome.Incident.Title}");
            WriteObject(outcome.Incident);
        }
    }

    /// <summary>Service name to the services it depends on, from the catalog; a bad catalog is a terminating CatalogInvalid.</summary>
    private Dictionary<string, IReadOnlyList<string>> Dependencies(string path)
    {
        var catalog = ReadCatalog(path);
        try
        {
            return catalog.Bind(null, LoadSettings(catalog.Settings)).ToDictionary(d => d.Name, d => d.DependsOn, StringComparer.OrdinalIgnoreCase);
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "CatalogInvalid", catalog.Path));
        }
    }

    private static TimeSpan Window(TimeSpan value, string name) =>
        value >= TimeSpan.Zero && value <= TimeSpan.FromDays(365)
            ? value
            : throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentOutOfRangeException(name, value, $"-{name} '{value}' must be between 0 and 365 days."),
                "IncidentWindowInvalid", ErrorCategory.InvalidArgument, value));

    /// <summary>An object's properties by name, nested PowerShell objects unwrapped; read on the pipeline thread (script properties run PowerShell).</summary>
    private static Dictionary<string, object?> Properties(PSObject input)
    {
        var properties = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (input.BaseObject is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in dictionary) properties[entry.Key.ToString() ?? ""] = Unwrap(entry.Value);
            return properties;
        }
        foreach (var property in input.Properties)
        {
            try
            {
                properties[property.Name] = Unwrap(property.Value);
            }
            catch (GetValueException)
            {
                // A property whose getter throws is no signal property.
            }
        }
        return properties;
    }

    private static object? Unwrap(object? value) => value switch
    {
        PSObject { BaseObject: PSCustomObject } nested when nested.Properties["UtcDateTime"]?.Value is DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
        PSObject { BaseObject: PSCustomObject } nested when nested.Properties["Ticks"]?.Value is long ticks && nested.Properties["TotalSeconds"] is not null => TimeSpan.FromTicks(ticks),
        PSObject { BaseObject: PSCustomObject } nested => nested.ToString(),
        PSObject nested => nested.BaseObject,
        _ => value,
    };
}
