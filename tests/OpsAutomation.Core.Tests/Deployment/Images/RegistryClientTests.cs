using OpsAutomation.Core.Deployment.Images;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment.Images;

/// <summary>The registry client against scripted registries on 127.0.0.1 for what the test registry does not do: token auth, stalls.</summary>
public sealed class RegistryClientTests : IDisposable
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly HttpClientProvider _http = new();

    public void Dispose() => _http.Dispose();

    private static ImageReference Image(ScriptedHttpServer server) => ImageReferenceParser.Parse($"127.0.0.1:{server.Port}/team/web:1");

    private static string? Header(ScriptedRequest request, string name) =>
        request.Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    [Fact]
    public async Task A_bearer_challenge_gets_a_token_from_the_realm_with_basic_credentials_and_the_manifest_with_it()
    {
        ScriptedHttpServer? server = null;
        await using var registry = server = new ScriptedHttpServer(request =>
        {
            if (request.Target.StartsWith("/token", StringComparison.Ordinal))
                return Header(request, "Authorization") == HttpAuthorization.Basic("ops", "pw").ToString() ? ScriptedReply.Answer(200, """{"token":"tok-1"}""") : ScriptedReply.Answer(401, "");
            if (Header(request, "Authorization") == "Bearer tok-1") return ScriptedReply.Answer(200, "", ("Docker-Content-Digest", Digest));
            return ScriptedReply.Answer(401, "", ("WWW-Authenticate", $"Bearer realm=\"{server!.Url("/token")}\",service=\"registry.test\",scope=\"repository:team/web:pull\""));
        });

        var digest = await new RegistryClient(_http.Get()).GetManifestDigestAsync(Image(registry), new RegistryCredential("ops", "pw", "test"), CancellationToken.None);

        Assert.Equal(Digest, digest);
        var token = Assert.Single(registry.Requests, r => r.Target.StartsWith("/token", StringComparison.Ordinal));
        Assert.Equal("/token?service=registry.test&scope=repository%3Ateam%2Fweb%3Apull", token.Target);
        var manifest = registry.Requests.Last();
        Assert.Equal(("HEAD", "/v2/team/web/manifests/1"), (manifest.Method, manifest.Target));
        foreach (var type in RegistryClient.ManifestMediaTypes) Assert.Contains(type, Header(manifest, "Accept"));
    }

    [Fact]
    public async Task A_token_service_that_refuses_is_a_refusal_naming_the_registry()
    {
        ScriptedHttpServer? server = null;
        await using var registry = server = new ScriptedHttpServer(request => request.Target.StartsWith("/token", StringComparison.Ordinal)
            ? ScriptedReply.Answer(401, "")
            : ScriptedReply.Answer(401, "", ("WWW-Authenticate", $"Bearer realm=\"{server!.Url("/token")}\",service=\"registry.test\"")));
        var error = await Assert.ThrowsAsync<RegistryAuthenticationException>(() =>
            new RegistryClient(_http.Get()).GetManifestDigestAsync(Image(registry), new RegistryCredential("ops", "secret-pw", "test"), CancellationToken.None));
        Assert.Equal($"127.0.0.1:{registry.Port}", error.Registry);
        Assert.DoesNotContain("secret-pw", error.Message);
    }

    [Fact]
    public async Task A_manifest_the_registry_does_not_have_is_not_found()
    {
        await using var registry = new ScriptedHttpServer(_ => ScriptedReply.Answer(404, ""));
        await Assert.ThrowsAsync<RegistryManifestNotFoundException>(() => new RegistryClient(_http.Get()).GetManifestDigestAsync(Image(registry), null, CancellationToken.None));
    }

    [Fact]
    public async Task A_registry_that_does_not_answer_is_a_timeout_naming_it_and_the_limit()
    {
        await using var registry = new ScriptedHttpServer(_ => ScriptedReply.Silence);
        var client = new RegistryClient(_http.Get(), HttpLimits.Api with { Timeout = TimeSpan.FromMilliseconds(200) });
        var error = await Assert.ThrowsAsync<HttpTimeoutException>(() => client.GetManifestDigestAsync(Image(registry), null, CancellationToken.None));
        Assert.Contains($"127.0.0.1:{registry.Port}/v2/team/web/manifests/1", error.Message);
    }

    [Theory]
    [InlineData("docker.io", "https://registry-1.docker.io/")]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("localhost:5000", "http://localhost:5000/")]
    [InlineData("[::1]:5000", "http://[::1]:5000/")]
    [InlineData("registry.example.com", "https://registry.example.com/")]
    public void Loopback_registries_are_plain_HTTP_and_others_HTTPS(string registry, string expected) =>
        Assert.Equal(expected, RegistryClient.BaseUri(registry).ToString());
}
