using System.Collections.Concurrent;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>
/// The connected engines of the process, one per address and options: the API version is agreed
/// once and the client's connections are reused by every build and push after. A connection that
/// failed is not kept, so the next call, perhaps after `systemctl start docker`, tries again.
/// </summary>
public sealed class DockerEngines : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<DockerEngine>>> _engines = new(StringComparer.Ordinal);

    /// <summary>The engine at <paramref name="host"/>; see <see cref="DockerEngine.ConnectAsync"/> for its errors.</summary>
    public async Task<DockerEngine> GetAsync(Uri host, DockerEngineOptions options, CancellationToken cancellationToken)
    {
        var key = string.Join('|', host, options.ApiVersion, options.Timeout.Ticks);
        // The connection is shared, so no caller's token may cancel it; each caller stops waiting on its own.
        var lazy = _engines.GetOrAdd(key, _ => new Lazy<Task<DockerEngine>>(() => DockerEngine.ConnectAsync(host, options, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _engines.TryRemove(new KeyValuePair<string, Lazy<Task<DockerEngine>>>(key, lazy));
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _engines.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) lazy.Value.Result.Dispose();
        }
        _engines.Clear();
    }
}
