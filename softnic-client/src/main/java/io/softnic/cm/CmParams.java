package io.softnic.cm;

/**
 * What a side offers when connecting or accepting ({@code struct rdma_conn_param} plus the path settings rdma_cm
 * takes from the route): responder resources and initiator depth for READ/atomic, retry counts, the local ACK
 * timeout and RNR timer codes, and the path MTU in bytes.
 */
public record CmParams(
    int responderResources,
    int initiatorDepth,
    int retryCount,
    int rnrRetryCount,
    int timeout,
    int minRnrTimer,
    int mtu,
    byte[] privateData)
{
    public static CmParams defaults()
    {
        return new CmParams(16, 16, 7, 7, 14, 12, 4096, new byte[0]);
    }

    public CmParams withMtu(final int mtuBytes)
    {
        return new CmParams(responderResources, initiatorDepth, retryCount, rnrRetryCount, timeout, minRnrTimer,
            mtuBytes, privateData);
    }

    public CmParams withRetry(final int retry, final int rnrRetry, final int timeoutCode)
    {
        return new CmParams(responderResources, initiatorDepth, retry, rnrRetry, timeoutCode, minRnrTimer, mtu,
            privateData);
    }

    public CmParams withPrivateData(final byte[] data)
    {
        return new CmParams(responderResources, initiatorDepth, retryCount, rnrRetryCount, timeout, minRnrTimer, mtu,
            data);
    }
}
