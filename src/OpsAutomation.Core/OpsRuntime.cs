using System.Collections.Concurrent;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Deployment.Images;
using OpsAutomation.Core.Health.Kubernetes;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;

namespace OpsAutomation.Core;

/// <summary>
/// The long-lived, thread-safe services every invocation shares: connection pools, resilience
/// pipelines, the metric registry and open state stores. Created on first use, disposed when
/// the module is removed; nothing else in the engine is static and mutable.
/// </summary>
public sealed class OpsRuntime : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<StateStore>>> _stores = new(StringComparer.Ordinal);

    public OpsRuntime(IEnumerable<IConfigurationFormat>? extraFormats = null, TimeProvider? time = null, Func<string, string?>? environment = null)
    {
        Time = time ?? TimeProvider.System;
        Http = new HttpClientProvider(environment);
        Pipelines = new ResiliencePipelineProvider(Time);
        Metrics = new OpsMetrics(Time);
        MetricsServers = new MetricsServers(Metrics, Time);
        Configuration = new ConfigurationFileReader(extraFormats);
        Kubernetes = new KubernetesClients();
        DockerEngines = new DockerEngines();
    }

    public TimeProvider Time { get; }

    /// <summary>The JSON log files, each folder's opened once (see <see cref="Logging.LogFiles"/>).</summary>
    public Logging.LogFiles LogFiles { get; } = new();

    public HttpClientProvider Http { get; }

    public ResiliencePipelineProvider Pipelines { get; }

    public OpsMetrics Metrics { get; }

    /// <summary>The /metrics endpoints of Start-MetricsServer, one per port.</summary>
    public MetricsServers MetricsServers { get; }

    public ConfigurationFileReader Configuration { get; }

    /// <summary>Kubernetes API clients by kubeconfig and context, reused across runs of a monitoring loop.</summary>
    public KubernetesClients Kubernetes { get; }

    /// <summary>Docker engines by address, their API version agreed once, their connections reused by builds and pushes.</summary>
    public DockerEngines DockerEngines { get; }

    /// <summary>The store of <paramref name="settings"/>: its StatePath, writes waiting StateBusyTimeoutSec for a lock.</summary>
    public async Task<StateStore> GetStateStoreAsync(OpsSettings settings, CancellationToken cancellationToken) =>
        (await GetStateStoreAsync(settings.StatePath, cancellationToken).ConfigureAwait(false)).WithBusyTimeout(TimeSpan.FromSeconds(settings.StateBusyTimeoutSec));

    /// <summary>
    /// The store in <paramref name="directory"/>, opened and migrated once per process, and again
    /// when its file has gone since (the state directory removed while the module stayed loaded).
    /// </summary>
    public async Task<StateStore> GetStateStoreAsync(string directory, CancellationToken cancellationToken)
    {
        var key = Path.GetFullPath(directory);
        var lazy = _stores.GetOrAdd(key, k => new Lazy<Task<StateStore>>(() => StateStore.OpenAsync(k, CancellationToken.None)));
        try
        {
            var store = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (File.Exists(store.FilePath)) return store;
            _stores.TryRemove(new KeyValuePair<string, Lazy<Task<StateStore>>>(key, lazy));
            return await GetStateStoreAsync(directory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            // A failed open is not cached: the next call, perhaps after a fix, tries again.
            _stores.TryRemove(new KeyValuePair<string, Lazy<Task<StateStore>>>(key, lazy));
            throw;
        }
    }

    public void Dispose()
    {
        MetricsServers.Dispose();
        Kubernetes.Dispose();
        DockerEngines.Dispose();
        Pipelines.Dispose();
        Http.Dispose();
        LogFiles.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
