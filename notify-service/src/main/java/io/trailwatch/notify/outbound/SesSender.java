package io.trailwatch.notify.outbound;

import io.trailwatch.notify.core.Attempt;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sesv2.SesV2Client;
import software.amazon.awssdk.services.sesv2.model.Body;
import software.amazon.awssdk.services.sesv2.model.Content;
import software.amazon.awssdk.services.sesv2.model.Destination;
import software.amazon.awssdk.services.sesv2.model.EmailContent;
import software.amazon.awssdk.services.sesv2.model.Message;
import software.amazon.awssdk.services.sesv2.model.SendEmailRequest;
import software.amazon.awssdk.services.sesv2.model.SesV2Exception;

import java.util.List;

/**
 * Email through Amazon SES's API (SESv2 SendEmail). Throttling (429) and server errors are retried; other refusals
 * (an unverified sender, a rejected message) are final.
 */
public final class SesSender implements EmailDestination.Sender {

    private final SesV2Client ses;
    private final String from;

    public SesSender(SesV2Client ses, String from) {
        this.ses = ses;
        this.from = from;
    }

    @Override
    public Attempt send(List<String> to, String subject, String text, String html) {
        SendEmailRequest request = SendEmailRequest.builder().fromEmailAddress(from)
                .destination(Destination.builder().toAddresses(to).build())
                .content(EmailContent.builder().simple(Message.builder()
                        .subject(Content.builder().charset("UTF-8").data(subject).build())
                        .body(Body.builder().text(Content.builder().charset("UTF-8").data(text).build())
                                .html(Content.builder().charset("UTF-8").data(html).build()).build())
                        .build()).build())
                .build();
        try {
            ses.sendEmail(request);
            return new Attempt.Delivered(200);
        } catch (SesV2Exception e) {
            int s = e.statusCode();
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            if (s == 429 || s >= 500 || "TooManyRequestsException".equals(code) || "LimitExceededException".equals(code)) {
                return new Attempt.Retry(s, null, "SES " + code);
            }
            return new Attempt.Refused(s, "SES " + code);
        } catch (SdkClientException e) {
            return new Attempt.Retry(null, null, "SES: " + e.getClass().getSimpleName());
        }
    }
}
