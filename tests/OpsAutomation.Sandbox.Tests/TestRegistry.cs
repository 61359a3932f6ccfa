using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace OpsAutomation.Sandbox.Tests;

/// <summary>
/// The real registry of the test services (docker-registry with htpasswd, started by build.ps1 Test),
/// and pushing a small image to it through the registry HTTP API v2 (blob uploads and a manifest PUT), no docker needed.
/// </summary>
public sealed class TestRegistry : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public TestRegistry()
    {
        var url = Environment.GetEnvironmentVariable("OPS_TEST_REGISTRY_URL");
        Assert.False(string.IsNullOrEmpty(url), "These tests need the real registry: run them through ./build.ps1 Test, which starts it and sets OPS_TEST_REGISTRY_URL.");
        BaseUri = new Uri(url!.TrimEnd('/') + "/");
        Username = Environment.GetEnvironmentVariable("OPS_TEST_REGISTRY_USER");
        Password = Environment.GetEnvironmentVariable("OPS_TEST_REGISTRY_PASSWORD");
        if (Username is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")));
        }
    }

    public Uri BaseUri { get; }

    /// <summary>The registry as image references name it: 127.0.0.1:port.</summary>
    public string Host => BaseUri.Authority;

    public string? Username { get; }

    public string? Password { get; }

    /// <summary>Pushes an OCI image of one small layer as <paramref name="repository"/>:<paramref name="tag"/>; its manifest digest.</summary>
    public async Task<string> PushAsync(string repository, string tag)
    {
        var layer = await PushBlobAsync(repository, Encoding.UTF8.GetBytes($"layer of {repository}:{tag} {Guid.NewGuid()}"));
        var config = await PushBlobAsync(repository, Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"""));
        var manifest = Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{config.Digest}}","size":{{config.Size}}},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{layer.Digest}}","size":{{layer.Size}}}]}
            """);
        using var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
        using var response = await _http.PutAsync(new Uri(BaseUri, $"v2/{repository}/manifests/{tag}"), content);
        Assert.True(response.IsSuccessStatusCode, $"PUT manifest {repository}:{tag}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return Digest(manifest);
    }

    private async Task<(string Digest, int Size)> PushBlobAsync(string repository, byte[] blob)
    {
        var digest = Digest(blob);
        using var start = await _http.PostAsync(new Uri(BaseUri, $"v2/{repository}/blobs/uploads/"), null);
        Assert.True(start.IsSuccessStatusCode, $"POST blob upload of {repository}: {(int)start.StatusCode}");
        var location = new Uri(BaseUri, start.Headers.Location!);
        var separator = location.Query.Length > 0 ? "&" : "?";
        using var content = new ByteArrayContent(blob);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var put = await _http.PutAsync(new Uri($"{location}{separator}digest={Uri.EscapeDataString(digest)}"), content);
        Assert.True(put.IsSuccessStatusCode, $"PUT blob {digest} of {repository}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        return (digest, blob.Length);
    }

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public void Dispose() => _http.Dispose();
}
