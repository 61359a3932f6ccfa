using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpsAutomation.Core.Http;

/// <summary>
/// How a connection's TLS is set up: which server certificates are trusted and which client
/// certificate is shown. Each distinct value gets its own connection pool.
/// </summary>
public sealed record HttpTlsOptions
{
    public static HttpTlsOptions Default { get; } = new();

    public static HttpTlsOptions TrustAny { get; } = new() { SkipCertificateCheck = true };

    /// <summary>Accept any server certificate, as Invoke-WebRequest -SkipCertificateCheck does.</summary>
    public bool SkipCertificateCheck { get; init; }

    /// <summary>A PEM file of CA certificates that, instead of the system's, anchor the server's chain (as curl --cacert). Null for the system store.</summary>
    public string? CaBundlePath { get; init; }

    /// <summary>The client certificate for mutual TLS: a PEM certificate (with <see cref="ClientKeyPath"/>, or its key in the same file) or a PFX/PKCS#12 file.</summary>
    public string? ClientCertificatePath { get; init; }

    /// <summary>The PEM private key of <see cref="ClientCertificatePath"/>; null when the key is in the certificate file or it is a PFX.</summary>
    public string? ClientKeyPath { get; init; }

    /// <summary>The password of a PFX <see cref="ClientCertificatePath"/> or of an encrypted PEM key, already resolved; null for none.</summary>
    public string? ClientCertificatePassword { get; init; }

    /// <summary>Never the password: a record would print every property.</summary>
    public override string ToString() =>
        $"HttpTlsOptions {{ SkipCertificateCheck = {SkipCertificateCheck}, CaBundlePath = {CaBundlePath}, ClientCertificatePath = {ClientCertificatePath}, ClientKeyPath = {ClientKeyPath} }}";

    /// <summary>The CA certificates of <see cref="CaBundlePath"/>; a missing or empty file throws <see cref="HttpTlsConfigurationException"/>.</summary>
    internal X509Certificate2Collection? LoadCaBundle()
    {
        if (CaBundlePath is not { } path) return null;
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new HttpTlsConfigurationException($"The CA bundle '{path}' cannot be read: {ex.Message}", ex);
        }
        return bundle.Count > 0 ? bundle : throw new HttpTlsConfigurationException($"The CA bundle '{path}' holds no PEM certificate.", null);
    }

    /// <summary>The client certificate with its private key; unreadable files throw <see cref="HttpTlsConfigurationException"/>.</summary>
    internal X509Certificate2? LoadClientCertificate()
    {
        if (ClientCertificatePath is not { } path) return null;
        try
        {
            if (ClientKeyPath is null && !File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal))
                return new X509Certificate2(path, ClientCertificatePassword);
            using var pem = ClientCertificatePassword is null
                ? X509Certificate2.CreateFromPemFile(path, ClientKeyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, ClientCertificatePassword, ClientKeyPath);
            // A PEM key is ephemeral; TLS stacks want one they can hand to the platform, as a PFX gives.
            return new X509Certificate2(pem.Export(X509ContentType.Pkcs12));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new HttpTlsConfigurationException(
                $"The client certificate '{path}'{(ClientKeyPath is null ? "" : $" with key '{ClientKeyPath}'")} cannot be loaded: {ex.Message}", ex);
        }
    }
}

/// <summary>A CA bundle or client certificate named in the configuration cannot be used.</summary>
public sealed class HttpTlsConfigurationException(string message, Exception? inner) : Exception(message, inner);
