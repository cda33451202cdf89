"""Messages: what expo sends people, by WhatsApp and email, through the outbox and the job
queue (plumbing). ``service.send`` is the one way a domain sends anything."""
