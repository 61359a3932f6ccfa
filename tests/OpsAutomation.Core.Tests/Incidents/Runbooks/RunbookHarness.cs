using k8s;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Validation;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Incidents.Runbooks;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Incidents.Runbooks;

/// <summary>
/// A runbook engine over a real state store and incident store in a temporary folder, the health
/// engine for verification (on the real clock: its rounds wait between them), and (when given) a sandbox cluster's client.
/// </summary>
public sealed class RunbookHarness : IDisposable
{
    private readonly HealthHarness _health;
    private readonly OpsLog _log;

    public RunbookHarness(Func<IKubernetes>? kubernetes = null, TimeProvider? time = null)
    {
        _health = new HealthHarness();
        Time = time ?? TimeProvider.System;
        Files = new TempDirectory();
        _log = new OpsLog("runbook-tests", new OpsLogOptions { Directory = Path.Combine(Files.Path, "logs") }, new SecretRedactor());
        Kubernetes = kubernetes ?? (() => throw new InvalidOperationException("this test has no cluster"));
    }

    public TempDirectory Files { get; }

    public TimeProvider Time { get; }

    public Func<IKubernetes> Kubernetes { get; }

    public StateStore? State { get; private set; }

    public IncidentStore Incidents { get; private set; } = null!;

    public RunbookActionStore Actions { get; private set; } = null!;

    public async Task<RunbookHarness> OpenAsync()
    {
        State = await StateStore.OpenAsync(_health.StatePath, CancellationToken.None);
        Incidents = new IncidentStore(State, Time);
        Actions = new RunbookActionStore(State);
        return this;
    }

    public ValidationSpecReader Gates => new(_health.Runtime.Configuration, _health.Settings, Files.Path);

    public RunbookEngine Engine(Func<string, string?>? environment = null) => new(new RunbookServices
    {
        Incidents = new StoredIncidents(Incidents),
        Actions = Actions,
        Kubernetes = Kubernetes,
        Http = _health.Runtime.Http.Get(),
        Secrets = new SecretResolver(environment),
        Time = Time,
        DeploymentRecords = new DeploymentRecordStore(State!, Time),
        RunGate = (gate, ct) => new HealthGateRunner(new HealthRounds(_health.Runtime, new HealthRunOptions { RunId = "verify", Settings = _health.Settings }, _log), TimeProvider.System)
            .RunAsync(gate, null, ct),
        BindGate = section => Gates.ReadHealthGate(section, "verify"),
    });

    /// <summary>Reads a runbook file written as YAML into the test folder.</summary>
    public RunbookFile Yaml(string yaml, string name = "runbooks.yaml") =>
        RunbookReader.Read(Files.File(name, yaml), _health.Runtime.Configuration, section => Gates.ReadHealthGate(section, "verify"));

    /// <summary>An open incident of <paramref name="service"/> from a failed health check.</summary>
    public Task<Incident> IncidentAsync(string service = "web", HealthSeverity severity = HealthSeverity.Critical, IReadOnlyDictionary<string, string>? details = null)
    {
        var now = Time.GetUtcNow();
        var signal = new IncidentSignal
        {
            Kind = IncidentSignalKind.Health, Fingerprint = $"health:{service}", Service = service, Firing = true, Severity = severity,
            Summary = $"{service} is Unhealthy", Details = details ?? new Dictionary<string, string>(), Timestamp = now,
        };
        return Incidents.CreateAsync(new Incident
        {
            Id = "", Title = $"{service} is Unhealthy", Service = service, Severity = severity, State = IncidentState.Triggered, Fingerprint = signal.Fingerprint,
            Signals = [signal], DetectedAt = now, OpenedAt = now, Timestamp = now,
            Timeline = [new IncidentTimelineEntry { Timestamp = now, Kind = IncidentEventKind.Detected, Actor = "test", Message = "opened" }],
        }, CancellationToken.None);
    }

    public static RunbookRunOptions Options(bool approve = false, bool whatIf = false) => new()
    {
        RunId = Guid.NewGuid().ToString("N"),
        WhatIf = whatIf,
        Approve = approve ? (_, _) => Task.FromResult(true) : null,
    };

    public async Task<IReadOnlyList<IncidentTimelineEntry>> TimelineAsync(string id) => (await Incidents.GetAsync(id, CancellationToken.None))!.Timeline;

    public void Dispose()
    {
        _log.Dispose();
        _health.Dispose();
        Files.Dispose();
    }
}
