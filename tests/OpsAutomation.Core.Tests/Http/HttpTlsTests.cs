using OpsAutomation.Core.Health;
using OpsAutomation.Core.Http;
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
