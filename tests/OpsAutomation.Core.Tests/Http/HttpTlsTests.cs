using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Http;

/// <summary>TLS as health checks see it: the certificate per host and port, a CA bundle of our own, a client certificate for mutual TLS.</summary>
public sealed class HttpTlsTests : IDisposable
{
    private readonly TempDirectory _files = new();
    private readonly HttpClientProvider _http = new(_ => null);

    public void Dispose()
    {
        _http.Dispose();
        _files.Dispose();
    }

    private async Task<ProbeOutcome> ProbeAsync(HealthCheckDefinition definition)
    {
        var probe = new HttpHealthProbe(_http, TimeProvider.System);
        try
        {
            return await probe.ProbeAsync(new PreparedCheck(definition, []) { DisplayTarget = definition.Target }, CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpTlsConfigurationException)
        {
            // As the runner turns what a probe throws into an outcome.
            return ProbeFailure.FromException(ex);
        }
    }

    [Fact]
    public async Task Two_ports_of_one_host_each_report_their_own_certificate()
    {
        using var lasting = TestCertificates.Issue(null, "CN=lasting", lifetime: TimeSpan.FromDays(300));
        using var expiring = TestCertificates.Issue(null, "CN=expiring", lifetime: TimeSpan.FromDays(3));
        // Connections stay open, so a second check of a port reuses its connection without a new handshake.
        await using var first = new ScriptedHttpServer(_ => ScriptedReply.Answer(200), lasting, keepAlive: true);
        await using var second = new ScriptedHttpServer(_ => ScriptedReply.Answer(200), expiring, keepAlive: true);

        await ProbeAsync(HealthHarness.Http(first.Url("/health")) with { SkipCertificateCheck = true });
        var soon = await ProbeAsync(HealthHarness.Http(second.Url("/health")) with { SkipCertificateCheck = true });
        // A cache keyed by host alone now holds the second port's certificate and hands it to the first.
        var healthy = await ProbeAsync(HealthHarness.Http(first.Url("/health")) with { SkipCertificateCheck = true });

        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal("CN=lasting", healthy.Details!["CertificateSubject"]);
        Assert.Equal((HealthStatus.Degraded, HealthErrorKind.CertificateExpiring), (soon.Status, soon.ErrorKind));
        Assert.Equal("CN=expiring", soon.Details!["CertificateSubject"]);
        Assert.Equal(new DateTimeOffset(expiring.NotAfter.ToUniversalTime()), soon.Details["CertificateExpiresAt"]);
        Assert.Equal(2, first.Requests.Count);
    }

    [Fact]
    public async Task A_ca_bundle_makes_a_private_ca_trusted_and_only_for_checks_that_name_it()
    {
        using var ca = TestCertificates.CreateCa();
        using var server = TestCertificates.Issue(ca);
        var bundle = TestCertificates.WritePem(ca, _files.Path, "ca.pem");
        await using var site = new ScriptedHttpServer(_ => ScriptedReply.Answer(200), server);

        var trusted = await ProbeAsync(HealthHarness.Http(site.Url("/health")) with { CaBundle = bundle });
        var untrusted = await ProbeAsync(HealthHarness.Http(site.Url("/health")));

        Assert.Equal(HealthStatus.Healthy, trusted.Status);
        Assert.Equal((HealthStatus.Unhealthy, HealthErrorKind.Tls), (untrusted.Status, untrusted.ErrorKind));
    }

    [Fact]
    public async Task A_ca_bundle_does_not_trust_a_certificate_of_another_ca()
    {
        using var ca = TestCertificates.CreateCa();
        using var other = TestCertificates.CreateCa("Another CA");
        using var server = TestCertificates.Issue(other);
        var bundle = TestCertificates.WritePem(ca, _files.Path, "ca.pem");
        await using var site = new ScriptedHttpServer(_ => ScriptedReply.Answer(200), server);

        var outcome = await ProbeAsync(HealthHarness.Http(site.Url("/health")) with { CaBundle = bundle });

        Assert.Equal((HealthStatus.Unhealthy, HealthErrorKind.Tls), (outcome.Status, outcome.ErrorKind));
    }

    [Theory]
    [InlineData("pem-and-key")]
    [InlineData("pem-with-key")]
    [InlineData("pfx")]
    public async Task A_client_certificate_passes_a_server_that_requires_one(string form)
    {
        using var ca = TestCertificates.CreateCa();
        using var server = TestCertificates.Issue(ca);
        using var client = TestCertificates.Issue(ca, "CN=ops-client", client: true);
        var bundle = TestCertificates.WritePem(ca, _files.Path, "ca.pem");
        string certificate;
        string? key = null;
        switch (form)
        {
            case "pem-and-key":
                certificate = TestCertificates.WritePem(client, _files.Path, "client.pem", "client.key");
                key = Path.Combine(_files.Path, "client.key");
                break;
            case "pem-with-key":
                certificate = TestCertificates.WritePem(client, _files.Path, "client.pem", "client.key");
                File.AppendAllText(certificate, "\n" + File.ReadAllText(Path.Combine(_files.Path, "client.key")));
                break;
            default:
                certificate = Path.Combine(_files.Path, "client.pfx");
                File.WriteAllBytes(certificate, client.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx));
                break;
        }
        await using var site = new ScriptedHttpServer(request => ScriptedReply.Answer(200, request.ClientCertificate?.Subject ?? "none"), server, clientCa: ca);

        var outcome = await ProbeAsync(HealthHarness.Http(site.Url("/health")) with
        {
            CaBundle = bundle, ClientCertificate = certificate, ClientKey = key, BodyPattern = "^CN=ops-client$",
        });

        Assert.Equal(HealthStatus.Healthy, outcome.Status);
    }

    [Fact]
    public async Task A_password_protected_pfx_is_opened_with_its_password_reference_which_is_never_logged()
    {
        const string password = "pfx-pa55-word-42";
        using var ca = TestCertificates.CreateCa();
        using var server = TestCertificates.Issue(ca);
        using var client = TestCertificates.Issue(ca, "CN=ops-client", client: true);
        var bundle = TestCertificates.WritePem(ca, _files.Path, "ca.pem");
        var certificate = Path.Combine(_files.Path, "locked.pfx");
        File.WriteAllBytes(certificate, client.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, password));
        await using var site = new ScriptedHttpServer(request => ScriptedReply.Answer(200, request.ClientCertificate?.Subject ?? "none"), server, clientCa: ca);
        using var harness = new HealthHarness();
        var logs = Path.Combine(harness.StatePath, "logs");
        var results = new List<HealthCheckResult>();
        using (var log = new OpsLog("pfx", new OpsLogOptions { Directory = logs, MinimumLevel = OpsLogLevel.Debug }, new SecretRedactor()))
        {
            await using var session = await HealthCheckSession.StartAsync(harness.Runtime, new HealthRunOptions
            {
                RunId = "pfx", Settings = harness.Settings, KeepHistory = false,
                Secrets = new SecretResolver(environment: name => name == "PFX_PASSWORD" ? password : null),
            }, log, CancellationToken.None);
            var check = HealthHarness.Http(site.Url("/health")) with { CaBundle = bundle, ClientCertificate = certificate, BodyPattern = "^CN=ops-client$" };
            session.Add(check with { Name = "with-password", ClientCertificatePasswordReference = "env:PFX_PASSWORD" });
            session.Add(check with { Name = "without-password" });
            session.Complete();
            await foreach (var result in session.ReadResultsAsync(CancellationToken.None)) results.Add(result);
            await session.FinishAsync(CancellationToken.None);
        }

        var byName = results.ToDictionary(r => r.Name);
        Assert.Equal(HealthStatus.Healthy, byName["with-password"].Status);
        Assert.Equal(HealthErrorKind.Tls, byName["without-password"].ErrorKind);
        Assert.DoesNotContain(password, string.Concat(Directory.GetFiles(logs).Select(File.ReadAllText)), StringComparison.Ordinal);
        Assert.DoesNotContain(password, byName["without-password"].Error ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_certificate_password_in_a_catalog_must_be_a_reference()
    {
        var error = Assert.Throws<ConfigurationException>(() => HealthCheckDefinitionBinder.Bind(
            new ConfigurationMap(new Dictionary<string, object?>
            {
                ["Name"] = "svc", ["Kind"] = "Http", ["Uri"] = "https://127.0.0.1/", ["ClientCertificatePassword"] = "hunter2",
            }, "services.yaml", "Services[0]"), null, new OpsSettings { StatePath = _files.Path }));
        Assert.Contains("ClientCertificatePassword", error.Message, StringComparison.Ordinal);
        Assert.Contains("must be a reference", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_client_certificate_a_server_that_requires_one_is_a_tls_failure()
    {
        using var ca = TestCertificates.CreateCa();
        using var server = TestCertificates.Issue(ca);
        var bundle = TestCertificates.WritePem(ca, _files.Path, "ca.pem");
        await using var site = new ScriptedHttpServer(_ => ScriptedReply.Answer(200), server, clientCa: ca);

        var outcome = await ProbeAsync(HealthHarness.Http(site.Url("/health")) with { CaBundle = bundle });

        Assert.NotEqual(HealthStatus.Healthy, outcome.Status);
        Assert.Empty(site.Requests);
    }

    [Fact]
    public async Task A_ca_bundle_that_holds_no_certificate_fails_the_check_naming_the_file()
    {
        var bundle = _files.File("empty.pem", "not a certificate\n");

        var outcome = await ProbeAsync(HealthHarness.Http("https://127.0.0.1:1/health") with { CaBundle = bundle });

        Assert.Equal((HealthStatus.Unhealthy, HealthErrorKind.Tls), (outcome.Status, outcome.ErrorKind));
        Assert.Contains("empty.pem", outcome.Error);
    }
}
