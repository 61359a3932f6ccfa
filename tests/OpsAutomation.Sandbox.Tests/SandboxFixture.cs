using k8s;
using k8s.Models;
using OpsAutomation.Sandbox.Hosting;

namespace OpsAutomation.Sandbox.Tests;

/// <summary>
/// One sandbox for the whole test run, on a free 127.0.0.1 port, with a small watch window (so a test
/// can make a resourceVersion too old) and frequent bookmarks. Each test works in a namespace of its own.
/// </summary>
public class SandboxFixture : IAsyncLifetime
{
    public const int WatchWindow = 20;

    private int _namespaces;

    public SandboxServer Server { get; private set; } = null!;

    public IKubernetes Client { get; private set; } = null!;

    public string KubeconfigPath => Server.KubeconfigPath;

    public async Task InitializeAsync()
    {
        Server = await SandboxServer.StartAsync(Options());
        Client = ClientFor(Kubeconfig.Context);
    }

    protected virtual SandboxOptions Options() => new()
    {
        WatchWindow = WatchWindow,
        BookmarkInterval = TimeSpan.FromMilliseconds(200),
        PodStartDelay = TimeSpan.FromMilliseconds(100),
    };

    /// <summary>A KubernetesClient configured from the written kubeconfig, as the module builds one.</summary>
    public IKubernetes ClientFor(string context) =>
        new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath, currentContext: context));

    /// <summary>Creates a namespace with a fresh name for one test.</summary>
    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>
    /// Waits, a bounded time, for what the controllers do: true once <paramref name="condition"/> holds. An object
    /// a controller has yet to create (a Service's Endpoints, a Deployment's ReplicaSet) is 404 until then: not yet.
    /// </summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
        return false;
    }

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>The test classes that share the one sandbox.</summary>
[CollectionDefinition(Collection)]
public sealed class SandboxTests : ICollectionFixture<SandboxFixture>
{
    public const string Collection = "sandbox";
}
