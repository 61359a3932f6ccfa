using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>Runs definitions through a real session (runtime, log, history) in a temporary state directory.</summary>
public sealed class HealthHarness : IDisposable
{
    private readonly TempDirectory? _ownState;

    /// <param name="statePath">Another harness's state directory, to play a second process on the same store.</param>
    public HealthHarness(TimeProvider? time = null, string? statePath = null)
    {
        Runtime = new OpsRuntime(time: time);
        if (statePath is null) _ownState = new TempDirectory();
        StatePath = statePath ?? _ownState!.Path;
    }

    public OpsRuntime Runtime { get; }

    public string StatePath { get; }

    public List<string> LogLines { get; } = [];

    public int ThrottleLimit { get; set; } = 32;

    public int HistoryRetentionDays { get; set; } = 30;

    /// <summary>Changes the run options of every run (authorization, circuits).</summary>
    public Func<HealthRunOptions, HealthRunOptions> Configure { get; set; } = options => options;

    public OpsSettings Settings => new() { StatePath = StatePath, ThrottleLimit = ThrottleLimit, HistoryRetentionDays = HistoryRetentionDays };

    public static HealthCheckDefinition Http(string url, string name = "svc", double timeoutSec = 5, int retries = 0) => new()
    {
        Name = name, Kind = HealthCheckKind.Http, Target = url, Timeout = TimeSpan.FromSeconds(timeoutSec), RetryCount = retries,
    };

    public async Task<IReadOnlyList<HealthCheckResult>> RunAsync(params HealthCheckDefinition[] definitions) =>
        await RunAsync(definitions, CancellationToken.None);

    public async Task<IReadOnlyList<HealthCheckResult>> RunAsync(IEnumerable<HealthCheckDefinition> definitions, CancellationToken cancellationToken,
        Func<string, string?>? environment = null)
    {
        var runId = Guid.NewGuid().ToString("N");
        using var log = new OpsLog(runId, new OpsLogOptions { Directory = Path.Combine(StatePath, "logs"), Console = l => { lock (LogLines) LogLines.Add(l); } },
            new SecretRedactor());
        await using var session = await HealthCheckSession.StartAsync(Runtime,
            Configure(new HealthRunOptions { RunId = runId, Settings = Settings, Secrets = new SecretResolver(environment) }), log, cancellationToken);
        foreach (var definition in definitions) session.Add(definition);
        session.Complete();
        var results = new List<HealthCheckResult>();
        await foreach (var result in session.ReadResultsAsync(cancellationToken)) results.Add(result);
        await session.FinishAsync(cancellationToken);
        return results;
    }

    public void Dispose()
    {
        Runtime.Dispose();
        _ownState?.Dispose();
    }
}
