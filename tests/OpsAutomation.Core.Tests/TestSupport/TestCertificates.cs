using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>Certificates (P-256: quick to make) made for one test with CertificateRequest: a CA, server and client certificates it issues, and their PEM files. Never committed.</summary>
public static class TestCertificates
{
    public static X509Certificate2 CreateCa(string name = "OpsAutomation Test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return Reloaded(ca);
    }

    /// <summary>A certificate for 127.0.0.1 issued by <paramref name="ca"/> (self-signed when null), for a server or a client.</summary>
    public static X509Certificate2 Issue(X509Certificate2? ca, string subject = "CN=127.0.0.1", bool client = false, TimeSpan? lifetime = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(client ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
        var notAfter = DateTimeOffset.UtcNow + (lifetime ?? TimeSpan.FromDays(20));
        if (ca is null)
        {
            using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), notAfter);
            return Reloaded(selfSigned);
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reloaded(withKey);
    }

    /// <summary>Writes the certificate (and, when <paramref name="keyFile"/> is given, its private key) as PEM; returns the certificate's path.</summary>
    public static string WritePem(X509Certificate2 certificate, string directory, string file, string? keyFile = null)
    {
        var path = Path.Combine(directory, file);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        if (keyFile is not null)
            File.WriteAllText(Path.Combine(directory, keyFile), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return path;
    }

    // An ephemeral key cannot serve TLS on every platform; a PFX round trip gives one that can.
    private static X509Certificate2 Reloaded(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
}
