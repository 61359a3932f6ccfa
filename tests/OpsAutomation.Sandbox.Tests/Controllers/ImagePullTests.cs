using k8s;
using k8s.Models;
using OpsAutomation.Sandbox.Hosting;

namespace OpsAutomation.Sandbox.Tests.Controllers;

/// <summary>The kubelet's image pulls against the real registry of the test services, on a sandbox clock 60 times real time.</summary>
public sealed class ImagePullTests : IDisposable
{
    private readonly TestRegistry _registry = new();

    private async Task<(SandboxServer Server, IKubernetes Client)> StartAsync(string? registry = null, string? password = null)
    {
        var server = await SandboxServer.StartAsync(new SandboxOptions
        {
            Speed = 60,
            PodStartDelay = TimeSpan.FromSeconds(1),
            Registry = registry ?? _registry.Host,
            RegistryUsername = _registry.Username,
            RegistryPassword = password ?? _registry.Password,
        });
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath, currentContext: Kubeconfig.Context));
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "pulls" } });
        return (server, client);
    }

    private static async Task<V1ContainerStatus> StatusAsync(IKubernetes client, string name, Func<V1ContainerStatus, bool> until)
    {
        V1ContainerStatus? status = null;
        Assert.True(await SandboxFixture.EventuallyAsync(async () =>
            (status = (await client.CoreV1.ReadNamespacedPodAsync(name, "pulls")).Status?.ContainerStatuses?.SingleOrDefault()) is { } s && until(s)),
            $"pod {name}: {status?.State?.Waiting?.Reason} {status?.State?.Waiting?.Message}");
        return status!;
    }

    private static Task<Corev1EventList> EventsAsync(IKubernetes client, string name) =>
        client.CoreV1.ListNamespacedEventAsync("pulls", fieldSelector: $"involvedObject.name={name}");

    private static Task<V1Pod> CreateAsync(IKubernetes client, string name, string image)
    {
        var pod = KubeletTests.Pod(name);
        pod.Spec.Containers[0].Image = image;
        return client.CoreV1.CreateNamespacedPodAsync(pod, "pulls");
    }

    [Fact]
    public async Task An_image_pushed_to_the_local_registry_runs_by_tag_and_by_digest_with_its_digest_as_image_id_and_other_registries_are_assumed_present()
    {
        var repository = $"sandbox/web-{Guid.NewGuid():N}"[..24];
        var digest = await _registry.PushAsync(repository, "v1");
        var (server, client) = await StartAsync();
        await using (server)
        using (client)
        {
            await CreateAsync(client, "by-tag", $"{_registry.Host}/{repository}:v1");
            await CreateAsync(client, "by-digest", $"{_registry.Host}/{repository}@{digest}");
            await CreateAsync(client, "elsewhere", "docker.io/library/nginx:1.27");

            foreach (var name in new[] { "by-tag", "by-digest" })
            {
                var status = await StatusAsync(client, name, s => s.State.Running is not null);
                Assert.Equal($"{_registry.Host}/{repository}@{digest}", status.ImageID);
                var events = (await EventsAsync(client, name)).Items;
                Assert.Contains(events, e => e.Reason == "Pulling" && e.Message.StartsWith("Pulling image \"", StringComparison.Ordinal));
                Assert.Contains(events, e => e.Reason == "Pulled" && e.Message.StartsWith($"Successfully pulled image \"{_registry.Host}/{repository}", StringComparison.Ordinal));
            }
            await StatusAsync(client, "elsewhere", s => s.State.Running is not null);
            Assert.Contains((await EventsAsync(client, "elsewhere")).Items, e => e.Message == "Container image \"docker.io/library/nginx:1.27\" already present on machine");
        }
    }

    [Theory]
    [InlineData(":never")]
    [InlineData("@sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task An_image_never_pushed_is_ErrImagePull_then_ImagePullBackOff_and_is_retried_after_the_back_off(string reference)
    {
        var image = $"{_registry.Host}/sandbox/missing{reference}";
        var (server, client) = await StartAsync();
        await using (server)
        using (client)
        {
            await CreateAsync(client, "web", image);

            var error = await StatusAsync(client, "web", s => s.State.Waiting?.Reason == "ErrImagePull");
            Assert.Equal($"failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found", error.State.Waiting.Message);
            var backOff = await StatusAsync(client, "web", s => s.State.Waiting?.Reason == "ImagePullBackOff");
            Assert.Equal($"Back-off pulling image \"{image}\"", backOff.State.Waiting.Message);
            Assert.Equal("Pending", (await client.CoreV1.ReadNamespacedPodAsync("web", "pulls")).Status.Phase);
            var events = (await EventsAsync(client, "web")).Items;
            Assert.Contains(events, e => (e.Reason, e.Type, e.Message) == ("Failed", "Warning", $"Failed to pull image \"{image}\": {error.State.Waiting.Message}"));
            Assert.Contains(events, e => (e.Reason, e.Type, e.Message) == ("Failed", "Warning", "Error: ErrImagePull"));
            Assert.Contains(events, e => (e.Reason, e.Message) == ("BackOff", $"Back-off pulling image \"{image}\""));
            Assert.True(events.Count(e => e.Reason == "Pulling") >= 2, "the pull is retried after its back-off");
        }
    }

    [Fact]
    public async Task An_image_pushed_after_its_pod_failed_to_pull_runs_at_the_next_retry()
    {
        var repository = $"sandbox/late-{Guid.NewGuid():N}"[..25];
        var (server, client) = await StartAsync();
        await using (server)
        using (client)
        {
            await CreateAsync(client, "web", $"{_registry.Host}/{repository}:v1");
            await StatusAsync(client, "web", s => s.State.Waiting?.Reason is "ErrImagePull" or "ImagePullBackOff");

            await _registry.PushAsync(repository, "v1");

            await StatusAsync(client, "web", s => s.State.Running is not null);
        }
    }

    [Fact]
    public async Task A_registry_that_is_down_is_ErrImagePull_with_the_reason_in_the_waiting_message()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var down = $"127.0.0.1:{((System.Net.IPEndPoint)closed.LocalEndpoint).Port}";
        closed.Stop();
        var (server, client) = await StartAsync(registry: down);
        await using (server)
        using (client)
        {
            await CreateAsync(client, "web", $"{down}/sandbox/web:v1");

            var status = await StatusAsync(client, "web", s => s.State.Waiting?.Reason == "ErrImagePull");
            Assert.EndsWith($"failed to do request: Head \"http://{down}/v2/sandbox/web/manifests/v1\": dial tcp {down}: connect: connection refused", status.State.Waiting.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Wrong_registry_credentials_are_ErrImagePull_401_and_the_password_is_in_no_message()
    {
        Assert.False(string.IsNullOrEmpty(_registry.Username), "The test registry has basic auth (OPS_TEST_REGISTRY_USER): build.ps1 Test starts it with htpasswd.");
        var repository = $"sandbox/auth-{Guid.NewGuid():N}"[..25];
        await _registry.PushAsync(repository, "v1");
        var (server, client) = await StartAsync(password: "not-the-password");
        await using (server)
        using (client)
        {
            await CreateAsync(client, "web", $"{_registry.Host}/{repository}:v1");

            var status = await StatusAsync(client, "web", s => s.State.Waiting?.Reason == "ErrImagePull");
            Assert.EndsWith($"pulling from host {_registry.Host} failed with status code [manifests v1]: 401 Unauthorized", status.State.Waiting.Message, StringComparison.Ordinal);
            Assert.DoesNotContain((await EventsAsync(client, "web")).Items, e => e.Message.Contains("not-the-password", StringComparison.Ordinal));
        }
    }

    public void Dispose() => _registry.Dispose();
}
