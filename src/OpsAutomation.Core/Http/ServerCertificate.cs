using System.Security.Cryptography.X509Certificates;

namespace OpsAutomation.Core.Http;

/// <summary>What a health check reports of a server's TLS certificate.</summary>
public sealed record ServerCertificate(string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter)
{
    public static ServerCertificate From(X509Certificate certificate)
    {
        if (certificate is X509Certificate2 owned) return From(owned);
        using var copy = new X509Certificate2(certificate);
        return From(copy);
    }

    private static ServerCertificate From(X509Certificate2 x509) =>
        new(x509.Subject, x509.Issuer, new DateTimeOffset(x509.NotBefore.ToUniversalTime()), new DateTimeOffset(x509.NotAfter.ToUniversalTime()));
}
